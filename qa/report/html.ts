// A self-contained HTML report: every check with its requirement, outcome and steps, and the
// screenshot taken after each step as an embedded image. One file to attach to a ticket.
import { seconds, totals, type CheckResult, type RunResult, type StepResult } from './types.ts';
import { escapeXml as h } from './xml.ts';

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1f24; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  .meta { color: #57606a; margin-top: 0; }
  .totals span { display: inline-block; margin-right: 1rem; font-weight: 600; }
  .check { border: 1px solid #d0d7de; border-radius: 6px; margin: 1rem 0; }
  .check > summary { padding: .6rem .8rem; cursor: pointer; }
  .check > div { padding: 0 .8rem .8rem; }
  .badge { display: inline-block; min-width: 4.2rem; text-align: center; border-radius: 4px; padding: 0 .4rem; font-weight: 700; font-size: .8rem; color: #fff; margin-right: .5rem; }
  .passed .badge { background: #1a7f37; } .failed .badge { background: #cf222e; } .skipped .badge { background: #6e7781; }
  .requirement { color: #57606a; }
  .message { background: #ffebe9; border-left: 4px solid #cf222e; padding: .4rem .6rem; white-space: pre-wrap; }
  .skipped .message { background: #f6f8fa; border-color: #6e7781; }
  ol.steps { padding-left: 1.4rem; }
  ol.steps li { margin: .3rem 0; }
  .step-failed > summary { color: #cf222e; font-weight: 600; }
  .notes { color: #57606a; margin: .2rem 0; white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: .85rem; }
  img { max-width: 100%; border: 1px solid #d0d7de; margin-top: .3rem; }
  code { font-family: ui-monospace, monospace; }
`;

/** The image's type from its first bytes: runs make JPEGs, older results and tests may hold PNGs. */
function mimeOf(image: Buffer): string {
  return image[0] === 0xff && image[1] === 0xd8 ? 'image/jpeg' : 'image/png';
}

function stepHtml(step: StepResult): string {
  const notes = [...step.notes, ...(step.error ? [step.error] : [])];
  const image = step.screenshot
    ? `<img alt="The page after: ${h(step.title)}" src="data:${mimeOf(step.screenshot)};base64,${step.screenshot.toString('base64')}">`
    : '<p class="notes">(no screenshot)</p>';
  return `<li><details class="step-${step.status}"${step.status === 'failed' ? ' open' : ''}>
    <summary>${step.status === 'passed' ? '✓' : '✗'} ${h(step.title)} <span class="requirement">(${seconds(step.durationMs)})</span></summary>
    ${notes.length > 0 ? `<p class="notes">${h(notes.join('\n'))}</p>` : ''}
    ${image}
  </details></li>`;
}

function checkHtml(check: CheckResult): string {
  const message =
    check.status === 'failed'
      ? `<p class="message"><strong>${check.kind === 'finding' ? 'Finding' : 'Could not complete the check'}:</strong> ${h(check.message)}</p>`
      : check.status === 'skipped'
        ? `<p class="message">Skipped: ${h(check.reason)}</p>`
        : '';
  return `<details class="check ${check.status}" id="${h(check.id)}"${check.status === 'failed' ? ' open' : ''}>
  <summary><span class="badge">${check.status.toUpperCase()}</span><strong>${h(check.title)}</strong> <code>${h(check.id)}</code> <span class="requirement">(${seconds(check.durationMs)})</span></summary>
  <div>
    <p class="requirement">Requirement: ${h(check.requirement)}</p>
    ${message}
    ${check.steps.length > 0 ? `<ol class="steps">${check.steps.map(stepHtml).join('\n')}</ol>` : ''}
  </div>
</details>`;
}

export function htmlReport(run: RunResult): string {
  const t = totals(run);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pairkey QA: ${h(run.profile.name)} (${run.browser})</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Pairkey QA: ${h(run.profile.name)}</h1>
<p class="meta">${h(run.site)} · ${run.browser} · started ${h(run.startedAt)} · ${seconds(run.durationMs)} · profile <code>${h(run.profile.file)}</code></p>
<p class="totals"><span>${t.passed} passed</span><span>${t.failed} failed</span><span>${t.skipped} skipped</span></p>
${run.checks.map(checkHtml).join('\n')}
</body>
</html>
`;
}
