// asl-validator 4 ships JavaScript only; this is the part of its API the runner calls
// (see node_modules/asl-validator/src/validator.ts).
declare module 'asl-validator' {
  interface AslValidationOptions {
    readonly checkPaths: boolean;
    readonly checkArn: boolean;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: ReadonlyArray<{ readonly message?: string; readonly Message?: string }>;
    errorsText(separator?: string): string;
  }
  function aslValidator(definition: unknown, options?: AslValidationOptions): AslValidationResult;
  export default aslValidator;
}
