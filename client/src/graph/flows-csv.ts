/**
 * The flows shown, as CSV (RFC 4180): one row per line of the graph (sent, and excluded when
 * shown), with the same words as the table. Cells that a spreadsheet would run as a formula
 * (starting with = + - @ or a tab) get a leading apostrophe.
 */
import type { FieldNode, GraphResponse, SubprocessorNode } from '@flowgate/core';
import { BUCKET_LABEL } from '../labels';

export const CSV_COLUMNS = [
  'field',
  'field_name',
  'sensitivity',
  'line',
  'subprocessor',
  'subprocessor_name',
  'where',
  'locations',
  'purpose',
  'purpose_name',
  'mode',
  'legal_basis',
  'flow_version',
  'user_allowed',
  'user_reason',
] as const;

export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function flowsCsv(graph: GraphResponse): string {
  const fields = new Map(graph.nodes.filter((n): n is FieldNode => n.kind === 'field').map((n) => [n.id, n]));
  const subs = new Map(graph.nodes.filter((n): n is SubprocessorNode => n.kind === 'subprocessor').map((n) => [n.id, n]));
  const rows = [CSV_COLUMNS.join(',')];
  for (const e of graph.edges) {
    if (e.kind === 'purpose') continue;
    const field = fields.get(e.source);
    const sub = subs.get(e.target);
    const flow = graph.flows[e.flow];
    rows.push(
      [
        field?.key ?? e.field,
        field?.label,
        field?.sensitivity,
        e.kind === 'sent' ? 'sent' : 'not sent (excluded)',
        sub?.key,
        sub?.name,
        sub ? BUCKET_LABEL[sub.bucket] : '',
        sub?.locations.join(' '),
        flow?.purpose,
        flow?.purposeName,
        e.mode,
        flow?.legalBasis,
        flow?.version,
        e.user ? (e.user.allowed ? 'yes' : 'no') : '',
        e.user?.reason,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}
