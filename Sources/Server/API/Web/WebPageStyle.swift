// The web page's style sheet (see WebPage.swift): light and dark, responsive, no external resources.
// A raw string (#"""): the text must not contain its closing delimiter.

enum WebPageStyle {
    static let css: String = #"""
    :root {
      color-scheme: light dark;
      --bg: #f4f5f8; --panel: #ffffff; --fg: #1b1e24; --muted: #5d6776; --border: #dde1e7;
      --field: #ffffff; --accent: #4f46e5; --accent-fg: #ffffff; --accent-soft: #e8e7fd;
      --danger: #c62828; --danger-soft: #fdecec; --ok: #1f7a3a; --ok-soft: #e3f4e8;
      --warn: #8a5a00; --warn-soft: #fdf2dc; --media: #e9ebf0; --shadow: 0 1px 2px rgba(20,24,32,.06), 0 4px 16px rgba(20,24,32,.06);
      --radius: 12px;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #0e1014; --panel: #171a20; --fg: #e7e9ee; --muted: #9aa3b2; --border: #2a2f39;
        --field: #0f1217; --accent: #8b8df8; --accent-fg: #0e1014; --accent-soft: #25264a;
        --danger: #ff7b7b; --danger-soft: #3a1b1d; --ok: #6fd68b; --ok-soft: #163223;
        --warn: #f3c26b; --warn-soft: #3a2e14; --media: #0b0d10; --shadow: 0 1px 2px rgba(0,0,0,.4);
      }
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }
    [hidden] { display: none !important; }
    a { color: var(--accent); }
    .visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
    .skip { position: absolute; left: 8px; top: -48px; background: var(--accent); color: var(--accent-fg); padding: 8px 12px; border-radius: 8px; z-index: 10; }
    .skip:focus { top: 8px; }
    :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }

    header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; padding: 12px clamp(12px, 3vw, 32px); border-bottom: 1px solid var(--border); background: var(--panel); position: relative; }
    .brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 18px; letter-spacing: .2px; margin: 0; }
    .brand svg { width: 28px; height: 28px; color: var(--accent); }
    .brand small { font-weight: 400; color: var(--muted); font-size: 13px; }
    @media (max-width: 520px) { .brand small { display: none; } }
    .top .spacer { flex: 1; }
    .summary-pill { font-size: 13px; color: var(--muted); }
    details.settings { position: relative; }
    details.settings > summary { list-style: none; cursor: pointer; padding: 7px 12px; border: 1px solid var(--border); border-radius: 999px; font-size: 14px; user-select: none; }
    details.settings > summary::-webkit-details-marker { display: none; }
    details.settings[open] > summary { background: var(--accent-soft); border-color: var(--accent); }
    .settings-panel { position: absolute; right: 0; top: calc(100% + 8px); width: min(360px, 92vw); background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); padding: 14px; z-index: 5; }
    .settings-panel p { margin: 0 0 10px; color: var(--muted); font-size: 13px; }

    main { display: grid; grid-template-columns: minmax(300px, 400px) minmax(0, 1fr); gap: clamp(16px, 2.5vw, 28px); padding: clamp(12px, 2.5vw, 28px); max-width: 1600px; margin: 0 auto; align-items: start; }
    @media (max-width: 860px) { main { grid-template-columns: minmax(0, 1fr); } }
    .panel { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
    .create { padding: 18px; position: sticky; top: 16px; max-height: calc(100vh - 32px); overflow-y: auto; overscroll-behavior: contain; scrollbar-width: thin; }
    @media (max-width: 860px) { .create { position: static; max-height: none; overflow: visible; } }
    h2 { font-size: 16px; margin: 0 0 12px; }
    .field { display: flex; flex-direction: column; gap: 5px; margin-bottom: 14px; min-width: 0; }
    .field > label, .label { font-size: 13px; font-weight: 600; }
    .hint { font-size: 12px; color: var(--muted); margin: 0; }
    input[type=text], input[type=number], input[type=password], select, textarea {
      font: inherit; color: var(--fg); background: var(--field); border: 1px solid var(--border); border-radius: 8px; padding: 8px 10px; width: 100%; min-width: 0;
    }
    textarea { resize: vertical; min-height: 96px; }
    input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 2px solid var(--accent); outline-offset: 0; border-color: var(--accent); }
    [aria-invalid=true] { border-color: var(--danger) !important; }
    .row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
    .row3 { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }
    fieldset { border: 0; padding: 0; margin: 0 0 14px; min-width: 0; }
    legend { font-size: 13px; font-weight: 600; padding: 0; margin-bottom: 6px; }
    .modes { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; }
    .modes label { position: relative; display: block; }
    .modes input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
    .modes span { display: block; text-align: center; padding: 7px 4px; border: 1px solid var(--border); border-radius: 8px; font-size: 13px; cursor: pointer; background: var(--field); }
    .modes input:checked + span { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); font-weight: 600; }
    .modes input:focus-visible + span { outline: 3px solid var(--accent); outline-offset: 2px; }
    .modes input:disabled + span { opacity: .45; cursor: not-allowed; }
    .mode-hint { font-size: 12px; color: var(--muted); margin: 6px 0 0; min-height: 1.2em; }
    .dropzone { border: 1.5px dashed var(--border); border-radius: 10px; padding: 10px; display: flex; gap: 12px; align-items: center; }
    .dropzone.over { border-color: var(--accent); background: var(--accent-soft); }
    .dropzone img { width: 84px; height: 84px; object-fit: cover; border-radius: 8px; background: var(--media); flex: none; }
    .dropzone input[type=file] { font-size: 13px; max-width: 100%; }
    .source { display: flex; gap: 10px; align-items: center; }
    .source img { width: 56px; height: 56px; object-fit: cover; border-radius: 8px; background: var(--media); flex: none; }
    details.advanced { border-top: 1px solid var(--border); padding-top: 10px; margin-bottom: 14px; }
    details.advanced > summary { cursor: pointer; font-size: 13px; font-weight: 600; padding: 2px 0 8px; }
    button { font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--border); background: var(--field); color: var(--fg); padding: 7px 12px; }
    button:hover:not(:disabled) { border-color: var(--accent); }
    button:disabled { opacity: .5; cursor: not-allowed; }
    button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); font-weight: 650; width: 100%; padding: 11px 14px; font-size: 15px; }
    button.danger { color: var(--danger); }
    button.danger:hover:not(:disabled) { border-color: var(--danger); background: var(--danger-soft); }
    .msg { font-size: 13px; margin: 10px 0 0; padding: 8px 10px; border-radius: 8px; }
    .msg.error { color: var(--danger); background: var(--danger-soft); }
    .msg.info { color: var(--ok); background: var(--ok-soft); }
    .msg:empty { display: none; }
    kbd { font: 12px ui-monospace, monospace; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; }

    .gallery-head { display: flex; align-items: center; gap: 12px; margin-bottom: 14px; }
    .gallery-head h2 { margin: 0; }
    .gallery-head .spacer { flex: 1; }
    .gallery-head button { padding: 5px 12px; font-size: 13px; }
    .gallery { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 16px; align-items: start; }
    .card { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); overflow: hidden; display: flex; flex-direction: column; }
    .card.fresh { animation: pop .35s ease-out; }
    @keyframes pop { from { transform: scale(.96); opacity: 0; } to { transform: none; opacity: 1; } }
    .media { position: relative; background: var(--media); aspect-ratio: 1 / 1; overflow: hidden; }
    .media img, .media video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; display: block; background: var(--media); }
    .placeholder { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 4px; color: var(--muted); font-size: 13px; text-align: center; padding: 12px; }
    .placeholder strong { font-size: 28px; color: var(--fg); font-variant-numeric: tabular-nums; }
    .card[data-status=queued] .media, .card[data-status=in_progress] .media {
      background: linear-gradient(110deg, var(--media) 30%, var(--accent-soft) 50%, var(--media) 70%); background-size: 250% 100%; animation: shimmer 1.8s linear infinite;
    }
    @keyframes shimmer { from { background-position: 100% 0; } to { background-position: -150% 0; } }
    @media (prefers-reduced-motion: reduce) { .card.fresh, .card .media { animation: none !important; } }
    .body { padding: 12px; display: flex; flex-direction: column; gap: 8px; flex: 1; }
    .meta { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; font-size: 12px; color: var(--muted); }
    .badge { font-size: 11px; font-weight: 700; letter-spacing: .3px; text-transform: uppercase; padding: 2px 8px; border-radius: 999px; background: var(--accent-soft); color: var(--accent); }
    .card[data-status=completed] .badge { background: var(--ok-soft); color: var(--ok); }
    .card[data-status=failed] .badge { background: var(--danger-soft); color: var(--danger); }
    .card[data-status=queued] .badge { background: var(--warn-soft); color: var(--warn); }
    .prompt { margin: 0; font-size: 14px; overflow-wrap: anywhere; white-space: pre-wrap; display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
    .prompt:hover, .prompt:focus { -webkit-line-clamp: unset; }
    .bar { height: 6px; border-radius: 999px; background: var(--border); overflow: hidden; }
    .bar > span { display: block; height: 100%; width: 0; background: var(--accent); transition: width .4s ease; }
    .progress-text { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
    .error { margin: 0; font-size: 13px; color: var(--danger); background: var(--danger-soft); padding: 6px 8px; border-radius: 6px; overflow-wrap: anywhere; }
    .origin { margin: 0; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
    .actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: auto; padding-top: 4px; }
    .actions button { padding: 5px 10px; font-size: 13px; }
    .actions .danger { margin-left: auto; }
    .empty { color: var(--muted); text-align: center; padding: 48px 16px; border: 1.5px dashed var(--border); border-radius: var(--radius); }
    .more { display: flex; justify-content: center; margin-top: 18px; }
    """#
}
