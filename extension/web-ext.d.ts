// The part of web-ext's programmatic API extension/package.ts uses (web-ext ships no types).
declare module 'web-ext' {
  interface LintResult {
    summary: { errors: number; notices: number; warnings: number };
    errors: { code: string; message: string; file?: string }[];
    warnings: { code: string; message: string; file?: string }[];
  }
  interface RunOptions {
    shouldExitProgram?: boolean;
  }
  const webExt: {
    cmd: {
      lint(options: { sourceDir: string; selfHosted?: boolean; warningsAsErrors?: boolean; output?: 'text' | 'json' | 'none' }, run?: RunOptions): Promise<LintResult>;
      build(
        options: { sourceDir: string; artifactsDir: string; filename?: string; overwriteDest?: boolean },
        run?: RunOptions,
      ): Promise<{ extensionPath: string }>;
    };
  };
  export default webExt;
}
