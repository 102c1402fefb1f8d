// JUnit XML as CI tools read it (Jenkins, GitLab, GitHub test reporters): one <testsuite> for the
// run, one <testcase> per check, <skipped message> and <failure message type> as they expect.
import { seconds, totals, type CheckResult, type RunResult } from './types.ts';
import { escapeXml as x } from './xml.ts';

const time = (ms: number) => (ms / 1000).toFixed(3);

function stepLog(check: CheckResult): string {
  return check.steps
    .map((s) => [`${s.status === 'passed' ? 'ok  ' : 'FAIL'} ${s.title} (${seconds(s.durationMs)})`, ...s.notes.map((n) => `     ${n}`), ...(s.error ? [`     ${s.error}`] : [])].join('\n'))
    .join('\n');
}

function testcase(check: CheckResult, classname: string): string {
  const open = `    <testcase classname="${x(classname)}" name="${x(`${check.id}: ${check.title}`)}" time="${time(check.durationMs)}">`;
  const body: string[] = [];
  if (check.status === 'skipped') body.push(`      <skipped message="${x(check.reason)}"/>`);
  if (check.status === 'failed') {
    body.push(`      <failure message="${x(check.message)}" type="${check.kind}">${x(`${check.requirement}\n\n${stepLog(check)}`)}</failure>`);
  }
  // The schema CI tools validate against has no per-testcase properties: the requirement goes here.
  body.push(`      <system-out>${x(`Requirement: ${check.requirement}\n${stepLog(check)}`)}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

export function junitXml(run: RunResult): string {
  const t = totals(run);
  const suite = `pairkey qa: ${run.profile.name} (${run.browser})`;
  const classname = `pairkey.qa.${run.browser}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pairkey qa" tests="${run.checks.length}" failures="${t.failed}" errors="0" skipped="${t.skipped}" time="${time(run.durationMs)}">`,
    `  <testsuite name="${x(suite)}" tests="${run.checks.length}" failures="${t.failed}" errors="0" skipped="${t.skipped}" time="${time(run.durationMs)}" timestamp="${x(run.startedAt.replace(/\.\d+Z$/, ''))}">`,
    `    <properties><property name="site" value="${x(run.site)}"/><property name="browser" value="${run.browser}"/><property name="profile" value="${x(run.profile.file)}"/></properties>`,
    ...run.checks.map((c) => testcase(c, classname)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
