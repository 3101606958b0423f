// Serverless variable source for the state machines' DefinitionString:
//   DefinitionString: ${file(./statemachines/definition-string.cjs):cutover}
// is the text of statemachines/cutover.asl.json, byte for byte. A `${file(x.json)}` would be parsed
// into an object (fit for `Definition`, re-serialised by CloudFormation); this keeps the deployed
// definition exactly the file the local runner reads. The `${...FunctionArn}` placeholders in it are
// not Serverless variables: they pass through untouched and CloudFormation fills them from
// DefinitionSubstitutions. Text that is not JSON stops packaging here, not at deploy time.
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const SUFFIX = '.asl.json';

module.exports = Object.fromEntries(
  readdirSync(__dirname)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => [
      file.slice(0, -SUFFIX.length),
      () => {
        const text = readFileSync(path.join(__dirname, file), 'utf8');
        JSON.parse(text);
        return text;
      },
    ]),
);
