import { useMemo, useRef } from 'react';
import type { Problem } from '../api.ts';

/**
 * A plain text editor for a plan with line numbers; lines the server found problems on are marked in
 * the gutter and listed below, each a button that puts the cursor on its line.
 */
export function YamlEditor({
  value,
  onChange,
  problems,
  readOnly,
}: {
  value: string;
  onChange: (text: string) => void;
  problems: Problem[];
  readOnly?: boolean;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split('\n').length;
  const byLine = useMemo(() => {
    const map = new Map<number, string[]>();
    for (const p of problems) {
      if (!p.location) continue;
      map.set(p.location.line, [...(map.get(p.location.line) ?? []), p.message]);
    }
    return map;
  }, [problems]);

  const goTo = (line: number, col = 1) => {
    const textarea = area.current;
    if (!textarea) return;
    const rows = value.split('\n');
    let start = 0;
    for (let i = 0; i < line - 1 && i < rows.length; i++) start += rows[i]!.length + 1;
    const end = start + (rows[line - 1]?.length ?? 0);
    textarea.focus();
    textarea.setSelectionRange(Math.min(start + col - 1, end), end);
    const lineHeight = Number.parseFloat(getComputedStyle(textarea).lineHeight) || 18;
    textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
  };

  return (
    <div className="yaml-editor">
      <div className="editor-frame">
        <div className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => {
            const messages = byLine.get(i + 1);
            return (
              <div
                // biome-ignore lint/suspicious/noArrayIndexKey: the index is the line number
                key={i}
                className={messages ? 'line-number error' : 'line-number'}
                data-line={i + 1}
                title={messages?.join('\n')}
              >
                {i + 1}
              </div>
            );
          })}
        </div>
        <textarea
          ref={area}
          aria-label="Plan (YAML)"
          spellCheck={false}
          value={value}
          readOnly={readOnly}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      {problems.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {problems.map((p) => (
            <li key={`${p.location?.line}:${p.location?.col}:${p.message}`}>
              {p.location ? (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => goTo(p.location!.line, p.location!.col)}
                >
                  Line {p.location.line}, column {p.location.col}
                </button>
              ) : (
                <span>{p.plan ? `Plan ${p.plan}` : 'Plan'}</span>
              )}
              : {p.operation ? `${p.operation}: ` : ''}
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
