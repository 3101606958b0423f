// Serverless variable source: the task ARNs `recoveryRoutes` names, comma-separated, for the
// RecoveryTaskArns stack parameter:
//   ParameterValue: ${file(./src/deploy/recovery-task-arns.cjs):taskArns}
// CloudFormation cannot read JSON, so the start-task and stop-task roles get these ARNs (besides the
// tasks tagged dms-cdc-stack by this stack) from a parameter derived here, at package time, from the one
// recoveryRoutes param: the routes stay the single source. A route whose taskArn is not a DMS task ARN
// stops packaging here (route-recovery-event validates the whole document at run time).
const TASK_ARN = /^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:task:[A-Za-z0-9-]+$/;

function taskArns(text) {
  if (text === undefined || text === null || String(text).trim() === '') return '';
  let routes;
  try {
    routes = JSON.parse(String(text)).routes ?? [];
  } catch {
    throw new Error('recoveryRoutes is not JSON');
  }
  if (!Array.isArray(routes)) throw new Error('recoveryRoutes.routes must be a list');
  const arns = routes.map((route, index) => {
    const arn = route?.taskArn;
    if (typeof arn !== 'string' || !TASK_ARN.test(arn))
      throw new Error(`recoveryRoutes.routes.${index}.taskArn must be a DMS task ARN`);
    return arn;
  });
  return [...new Set(arns)].join(',');
}

module.exports = {
  taskArns: async ({ resolveVariable }) => taskArns(await resolveVariable('param:recoveryRoutes')),
  parse: taskArns,
};
