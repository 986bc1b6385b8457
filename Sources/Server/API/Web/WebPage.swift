// The web page `zoetrope serve` answers at `/`: one self-contained HTML document (inline CSS and
// JavaScript, no external resources, no build step) that drives the Videos API under /v1 from the
// browser: create videos in every mode, follow their progress over the event stream (polling when the
// stream fails), and play, download and delete them from a gallery. Prompts are shown with textContent
// only, never parsed as HTML. tests/server/test_page.py drives it in headless Chromium; the ids and
// data-testid attributes it uses are part of the page's contract.
//
// Edit with care: this is a raw string (#"""), so the text must not contain the closing delimiter
// or a backslash followed by "#".
//
// The document is put together here from its parts, each a raw string of its own file: the style
// (WebPageStyle.swift), the markup below, and the script (WebPageScript.swift).

enum WebPage {
    static let html = [head, WebPageStyle.css, markup, WebPageScript.javascript, tail].joined(separator: "\n")

    /// The document's head up to its `<style>`.
    static let head: String = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'">
    <title>Zoetrope</title>
    <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%236366f1'/%3E%3Ccircle cx='8' cy='8' r='3' fill='white'/%3E%3C/svg%3E">
    <style>
    """#

    /// From the end of the style to the start of the script: the form, the gallery, the live region.
    static let markup: String = #"""
    </style>
    </head>
    <body>
    <a class="skip" href="#gallery-heading">Skip to the gallery</a>
    <noscript><p class="msg error">This page needs JavaScript.</p></noscript>
    <header class="top">
      <h1 class="brand">
        <svg viewBox="0 0 32 32" aria-hidden="true" focusable="false"><circle cx="16" cy="16" r="14" fill="none" stroke="currentColor" stroke-width="2.5"/><circle cx="16" cy="16" r="4" fill="currentColor"/><g stroke="currentColor" stroke-width="2.5" stroke-linecap="round"><path d="M16 4v5"/><path d="M16 23v5"/><path d="M4 16h5"/><path d="M23 16h5"/><path d="M7.5 7.5l3.5 3.5"/><path d="M21 21l3.5 3.5"/><path d="M24.5 7.5L21 11"/><path d="M11 21l-3.5 3.5"/></g></svg>
        Zoetrope <small>video generation</small>
      </h1>
      <span class="spacer"></span>
      <span class="summary-pill" id="queue-summary"></span>
      <details class="settings" id="settings">
        <summary id="settings-toggle">Settings</summary>
        <div class="settings-panel">
          <form id="settings-form" autocomplete="off">
            <div class="field">
              <label for="api-key">API key</label>
              <input type="password" id="api-key" name="api-key" autocomplete="off" spellcheck="false" placeholder="only if the server asks for one" aria-describedby="api-key-hint">
              <p class="hint" id="api-key-hint">Sent as <code>Authorization: Bearer</code> with every request; kept in this browser only (localStorage).</p>
            </div>
            <div class="actions">
              <button type="submit" id="api-key-save">Save</button>
              <button type="button" id="api-key-clear">Forget</button>
            </div>
            <p class="msg info" id="api-key-status" role="status"></p>
          </form>
        </div>
      </details>
    </header>

    <main id="main">
      <section class="panel create" aria-labelledby="create-heading">
        <h2 id="create-heading">New video</h2>
        <form id="create-form" novalidate>
          <div class="field">
            <label for="prompt">Prompt</label>
            <textarea id="prompt" name="prompt" rows="4" maxlength="32000" required placeholder="a red ball moving left over the sea at night" aria-describedby="prompt-hint"></textarea>
            <p class="hint" id="prompt-hint"><kbd>Ctrl</kbd>+<kbd>Enter</kbd> generates.</p>
          </div>

          <fieldset id="mode-group">
            <legend>Mode</legend>
            <div class="modes">
              <label><input type="radio" name="mode" id="mode-text" value="text" checked><span>Text</span></label>
              <label><input type="radio" name="mode" id="mode-image" value="image"><span>Image</span></label>
              <label><input type="radio" name="mode" id="mode-loop" value="loop"><span>Loop</span></label>
              <label><input type="radio" name="mode" id="mode-remix" value="remix"><span>Remix</span></label>
              <label><input type="radio" name="mode" id="mode-extend" value="extend"><span>Extend</span></label>
              <label><input type="radio" name="mode" id="mode-edit" value="edit"><span>Edit</span></label>
            </div>
            <p class="mode-hint" id="mode-hint" aria-live="polite"></p>
          </fieldset>

          <div class="field" id="image-section" hidden>
            <label for="input-reference">Image to animate (PNG or JPEG)</label>
            <div class="dropzone" id="dropzone">
              <img id="input-preview" alt="Preview of the chosen image" hidden>
              <div>
                <input type="file" id="input-reference" name="input_reference" accept="image/png,image/jpeg">
                <p class="hint" id="input-reference-info">Choose a file or drop one here.</p>
              </div>
            </div>
          </div>

          <div class="field" id="source-section" hidden>
            <label for="source-video">Source video</label>
            <div class="source">
              <img id="source-preview" alt="" hidden>
              <select id="source-video" name="source"></select>
            </div>
            <p class="hint">Finished videos from the gallery; "Use as source" on a card picks one.</p>
          </div>

          <div class="field" id="extend-seconds-field" hidden>
            <label for="extend-seconds">Seconds to add</label>
            <input type="number" id="extend-seconds" name="extend_seconds" min="0.1" step="any" inputmode="decimal">
          </div>

          <div class="field" id="strength-field" hidden>
            <label for="strength">Strength <span class="hint">(0 to 1, optional: how far to move from the source)</span></label>
            <input type="number" id="strength" name="strength" min="0" max="1" step="0.05" placeholder="server default">
          </div>

          <div class="field" id="model-field">
            <label for="model">Model</label>
            <select id="model" name="model"></select>
            <p class="hint" id="model-info"></p>
          </div>

          <div class="row">
            <div class="field" id="size-field">
              <label for="size">Size</label>
              <input type="text" id="size" name="size" list="size-options" inputmode="text" autocomplete="off" spellcheck="false" pattern="[0-9]+x[0-9]+" placeholder="WIDTHxHEIGHT" aria-describedby="size-hint">
              <datalist id="size-options"></datalist>
              <p class="hint" id="size-hint"></p>
            </div>
            <div class="field" id="seconds-field">
              <label for="seconds">Seconds</label>
              <input type="number" id="seconds" name="seconds" min="0.1" step="any" inputmode="decimal" aria-describedby="seconds-hint">
              <p class="hint" id="seconds-hint"></p>
            </div>
          </div>

          <details class="advanced" id="advanced">
            <summary>Advanced</summary>
            <div class="row3">
              <div class="field">
                <label for="seed">Seed</label>
                <input type="number" id="seed" name="seed" step="1" min="0" placeholder="random">
              </div>
              <div class="field">
                <label for="steps">Steps</label>
                <input type="number" id="steps" name="steps" step="1" min="1" placeholder="default">
              </div>
              <div class="field">
                <label for="guidance">Guidance</label>
                <input type="number" id="guidance" name="guidance" step="0.1" min="0" placeholder="default">
              </div>
            </div>
            <div class="field">
              <label for="negative-prompt">Negative prompt</label>
              <textarea id="negative-prompt" name="negative_prompt" rows="2" placeholder="what to keep out of the video"></textarea>
            </div>
          </details>

          <button type="submit" class="primary" id="submit">Generate</button>
          <p class="msg error" id="form-error" role="alert"></p>
          <p class="msg info" id="form-status" role="status"></p>
        </form>
      </section>

      <section aria-labelledby="gallery-heading">
        <div class="gallery-head">
          <h2 id="gallery-heading" tabindex="-1">Videos</h2>
          <span class="spacer"></span>
          <button type="button" id="refresh">Refresh</button>
        </div>
        <p class="msg error" id="gallery-error" role="alert"></p>
        <ul class="gallery" id="gallery" aria-labelledby="gallery-heading" aria-busy="false"></ul>
        <p class="empty" id="gallery-empty" hidden>No videos yet. Write a prompt and press Generate.</p>
        <div class="more"><button type="button" id="load-more" hidden>Load more</button></div>
      </section>
    </main>
    <div class="visually-hidden" id="announcer" role="status" aria-live="polite" aria-atomic="true"></div>

    <script>
    """#

    /// The end of the document.
    static let tail: String = #"""
    })();
    </script>
    </body>
    </html>
    """#
}
