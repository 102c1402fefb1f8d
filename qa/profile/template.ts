// Profile values are templates: `{name}` is replaced by the check's value for `name`. A template
// naming a value the check does not have is an error (the profile asks for something that
// this step cannot provide), never an empty string typed into a form.

export type TemplateValues = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function render(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TemplateError(`"${template}" needs {${name}}, which this step does not have`);
    return value;
  });
}

/** A pattern template: substituted values are matched literally, not as regular expressions. */
export function renderPattern(template: string, values: TemplateValues): RegExp {
  const escaped = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TemplateError(`"${template}" needs {${name}}, which this step does not have`);
    return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(escaped, 'i');
}

/** The placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}
