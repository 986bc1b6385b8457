// The web page's script (see WebPage.swift): the API client, the form, the progress streams and the
// gallery. A raw string (#"""): the text must not contain its closing delimiter or a backslash
// followed by "#".

enum WebPageScript {
    static let javascript: String = #"""
    (() => {
      'use strict';

      const KEY_STORAGE = 'zoetrope.apiKey';
      const PAGE_SIZE = 24;
      const MAX_STREAMS = 3;          // browsers hold about 6 connections per host; leave room for media
      const SOURCE_MODES = ['remix', 'extend', 'edit'];
      const MODE_HINTS = {
        text: 'A video from the prompt alone.',
        image: 'Animate an image: it becomes the first frame.',
        loop: 'A seamless loop: the last frame leads back into the first.',
        remix: 'A new video that keeps the source\u2019s motion and follows the new prompt.',
        extend: 'Continue the source video for the given seconds.',
        edit: 'Re-imagine the source video after the prompt.',
      };
      const STATUS_TEXT = { queued: 'Queued', in_progress: 'Generating', completed: 'Completed', failed: 'Failed' };
      const FIELD_FOR_PARAM = {
        prompt: 'prompt', model: 'model', size: 'size', seconds: 'seconds', input_reference: 'input-reference',
        seed: 'seed', steps: 'steps', guidance: 'guidance', negative_prompt: 'negative-prompt', strength: 'strength',
        video: 'source-video', loop: 'mode-loop',
      };

      const $ = (id) => document.getElementById(id);
      const state = {
        models: [],
        entries: new Map(),     // video id -> {video, card, parts, media: {thumbnail, video}, playing, lastAnnounced}
        lastId: null,
        hasMore: false,
        loadingGen: -1,         // the generation a gallery load is under way for
        generation: 0,          // bumped when the gallery starts over (refresh, new key)
        watchers: new Map(),    // video id -> {ctrl, timer, failures}
        streams: 0,
        previewURL: null,
        keyPrompted: false,
      };

      // ---------- small helpers ----------

      function el(tag, attrs, children) {
        const node = document.createElement(tag);
        for (const [name, value] of Object.entries(attrs || {})) {
          if (value === null || value === undefined || value === false) continue;
          if (name === 'text') node.textContent = String(value);
          else node.setAttribute(name, value === true ? '' : String(value));
        }
        for (const child of children || []) if (child) node.append(child);
        return node;
      }
      const isTerminal = (status) => status === 'completed' || status === 'failed';
      const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
      const truncate = (s, n) => (s.length > n ? s.slice(0, n - 1).trimEnd() + '\u2026' : s);
      const videoPath = (id, rest) => '/v1/videos/' + encodeURIComponent(id) + (rest || '');
      function parseSize(size) {
        const m = /^(\d+)x(\d+)$/.exec(String(size || '').trim());
        return m ? { w: Number(m[1]), h: Number(m[2]) } : null;
      }
      function announce(text) {
        const a = $('announcer');
        a.textContent = '';
        window.setTimeout(() => { a.textContent = text; }, 50);
      }
      function describe(v) { return v.prompt ? '\u201c' + truncate(v.prompt, 60) + '\u201d' : v.id; }

      // ---------- the API ----------

      class ApiError extends Error {
        constructor(status, message, param, code) {
          super(message);
          this.name = 'ApiError';
          this.status = status; this.param = param || null; this.code = code || null;
        }
      }
      // The key lives in localStorage; where storage is refused (private modes) it lasts for this page.
      let memoryKey = '';
      function apiKey() {
        try { return localStorage.getItem(KEY_STORAGE) || memoryKey; } catch (e) { return memoryKey; }
      }
      async function api(path, options) {
        const opts = Object.assign({}, options || {});
        const headers = new Headers(opts.headers || {});
        const key = apiKey();
        if (key) headers.set('Authorization', 'Bearer ' + key);
        opts.headers = headers;
        let res;
        try {
          res = await fetch(path, opts);
        } catch (e) {
          if (e && e.name === 'AbortError') throw e;
          throw new ApiError(0, 'Cannot reach the server (' + (e && e.message ? e.message : 'network error') + ').');
        }
        if (!res.ok) throw await errorFrom(res);
        return res;
      }
      async function apiJSON(path, options) {
        const res = await api(path, options);
        return res.json();
      }
      async function errorFrom(res) {
        let message = 'The server answered ' + res.status + (res.statusText ? ' ' + res.statusText : '') + '.';
        let param = null, code = null;
        try {
          const body = await res.json();
          if (body && body.error) {
            if (body.error.message) message = String(body.error.message);
            param = body.error.param; code = body.error.code;
          }
        } catch (e) { /* not JSON: keep the status line */ }
        if (res.status === 401) needKey(message);
        return new ApiError(res.status, message, param, code);
      }
      const isAbort = (e) => e && e.name === 'AbortError';

      // ---------- settings: the API key ----------

      function needKey(message) {
        const settings = $('settings');
        const status = $('api-key-status');
        status.className = 'msg error';
        status.textContent = (apiKey() ? 'The server refused this API key: ' : 'This server needs an API key: ') + message;
        if (!settings.open) settings.open = true;
        if (!state.keyPrompted) {
          state.keyPrompted = true;
          $('api-key').focus();
        }
      }
      function setupSettings() {
        $('api-key').value = apiKey();
        $('settings-form').addEventListener('submit', (ev) => {
          ev.preventDefault();
          const key = $('api-key').value.trim();
          try {
            if (key) localStorage.setItem(KEY_STORAGE, key); else localStorage.removeItem(KEY_STORAGE);
          } catch (e) { /* storage refused (private mode): the key lasts for this page only */ }
          memoryKey = key;
          const status = $('api-key-status');
          status.className = 'msg info';
          status.textContent = key ? 'Saved. Reloading\u2026' : 'No key set. Reloading\u2026';
          state.keyPrompted = false;
          reloadEverything().then(() => {
            if (status.textContent.endsWith('Reloading\u2026')) status.textContent = key ? 'Saved.' : 'No key set.';
          });
        });
        $('api-key-clear').addEventListener('click', () => {
          $('api-key').value = '';
          $('settings-form').requestSubmit();
        });
        document.addEventListener('click', (ev) => {
          if ($('settings').open && !$('settings').contains(ev.target)) $('settings').open = false;
        });
        document.addEventListener('keydown', (ev) => {
          if (ev.key === 'Escape' && $('settings').open) {
            $('settings').open = false;
            $('settings-toggle').focus();
          }
        });
      }
      async function reloadEverything() {
        await Promise.all([loadModels(), resetGallery()]);
      }

      // ---------- models and the form ----------

      function currentModel() {
        return state.models.find((m) => m.id === $('model').value) || null;
      }
      function currentMode() {
        const checked = document.querySelector('input[name=mode]:checked');
        return checked ? checked.value : 'text';
      }

      async function loadModels() {
        const select = $('model');
        try {
          const body = await apiJSON('/v1/models');
          state.models = Array.isArray(body.data) ? body.data : [];
          const previous = select.value;
          select.replaceChildren(...state.models.map((m) => new Option(m.id + (m.default ? ' (default)' : ''), m.id)));
          const chosen = state.models.find((m) => m.id === previous) || state.models.find((m) => m.default) || state.models[0];
          if (chosen) select.value = chosen.id;
          applyModelDefaults();
        } catch (e) {
          if (state.models.length === 0) select.replaceChildren(new Option('(models not loaded)', ''));
          $('model-info').textContent = 'Could not load the models: ' + e.message;
        }
      }

      function applyModelDefaults() {
        const m = currentModel();
        if (!m) return;
        $('size').value = m.size || '';
        $('seconds').value = m.seconds || '';
        $('extend-seconds').value = m.seconds || '';
        const info = [];
        if (m.size) info.push(m.size);
        if (m.seconds) info.push(m.seconds + ' s');
        if (m.fps) info.push(m.fps + ' fps');
        if (m.frames) info.push(m.frames + ' frames');
        $('model-info').textContent = 'Defaults: ' + info.join(', ');
        const step = m.size_multiple || 0, max = m.max_side || 0;
        $('size-hint').textContent = step ? 'Sides: multiples of ' + step + (max ? ', at most ' + max : '') + '.' : '';
        $('seconds-hint').textContent = m.fps ? 'At ' + m.fps + ' fps.' : '';
        $('size-options').replaceChildren(...sizeSuggestions(m).map((s) => el('option', { value: s })));
        const modes = Array.isArray(m.modes) ? m.modes : null;
        for (const input of document.querySelectorAll('input[name=mode]')) {
          input.disabled = modes ? !modes.includes(input.value) : false;
        }
        if (document.querySelector('input[name=mode]:checked').disabled) $('mode-text').checked = true;
        updateMode();
      }

      function sizeSuggestions(m) {
        const base = parseSize(m.size);
        if (!base) return [];
        const step = m.size_multiple || 1, max = m.max_side || Infinity;
        const out = new Set();
        for (const f of [1, 1.5, 2, 3, 4]) {
          const w = Math.round((base.w * f) / step) * step, h = Math.round((base.h * f) / step) * step;
          if (w <= max && h <= max) out.add(w + 'x' + h);
        }
        for (const [a, b] of [[16, 9], [9, 16], [4, 3], [3, 4]]) {
          const side = Math.max(base.w, base.h);
          const w = Math.round((side * Math.min(1, a / b)) / step) * step;
          const h = Math.round((side * Math.min(1, b / a)) / step) * step;
          if (w > 0 && h > 0 && w <= max && h <= max) out.add(w + 'x' + h);
        }
        return [...out];
      }

      function updateMode() {
        const mode = currentMode();
        const fromSource = SOURCE_MODES.includes(mode);
        $('image-section').hidden = mode !== 'image';
        $('source-section').hidden = !fromSource;
        $('strength-field').hidden = mode !== 'remix';
        $('model-field').hidden = fromSource;
        $('size-field').hidden = fromSource;
        $('seconds-field').hidden = fromSource;
        $('extend-seconds-field').hidden = mode !== 'extend';
        $('advanced').hidden = fromSource;
        $('mode-hint').textContent = MODE_HINTS[mode] || '';
        $('submit').textContent = { remix: 'Remix', extend: 'Extend', edit: 'Edit' }[mode] || 'Generate';
        if (fromSource) refreshSourceOptions();
      }

      function refreshSourceOptions() {
        const select = $('source-video');
        const previous = select.value;
        const finished = [...state.entries.values()].filter((e) => e.video.status === 'completed');
        // The gallery's order: newest first.
        finished.sort((a, b) => (b.video.created_at || 0) - (a.video.created_at || 0));
        if (finished.length === 0) {
          select.replaceChildren(new Option('No finished videos yet', ''));
          select.disabled = true;
        } else {
          select.disabled = false;
          select.replaceChildren(...finished.map((e) => new Option(
            truncate(e.video.prompt || e.video.id, 48) + ' \u2014 ' + e.video.size + ', ' + e.video.seconds + ' s', e.video.id)));
          if (finished.some((e) => e.video.id === previous)) select.value = previous;
        }
        updateSourcePreview();
      }
      function updateSourcePreview() {
        const entry = state.entries.get($('source-video').value);
        const img = $('source-preview');
        const url = entry && entry.media.thumbnail;
        if (url) { img.src = url; img.hidden = false; } else { img.removeAttribute('src'); img.hidden = true; }
      }

      function setupImageInput() {
        const input = $('input-reference');
        const zone = $('dropzone');
        input.addEventListener('change', showImagePreview);
        zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
        zone.addEventListener('dragleave', () => zone.classList.remove('over'));
        zone.addEventListener('drop', (ev) => {
          ev.preventDefault();
          zone.classList.remove('over');
          if (ev.dataTransfer && ev.dataTransfer.files.length) {
            input.files = ev.dataTransfer.files;
            showImagePreview();
          }
        });
      }
      function showImagePreview() {
        const input = $('input-reference');
        const img = $('input-preview');
        const info = $('input-reference-info');
        if (state.previewURL) { URL.revokeObjectURL(state.previewURL); state.previewURL = null; }
        const file = input.files && input.files[0];
        input.removeAttribute('aria-invalid');
        if (!file) { img.hidden = true; img.removeAttribute('src'); info.textContent = 'Choose a file or drop one here.'; return; }
        if (!['image/png', 'image/jpeg'].includes(file.type)) {
          img.hidden = true; img.removeAttribute('src');
          input.setAttribute('aria-invalid', 'true');
          info.textContent = 'Not a PNG or JPEG image: ' + file.name;
          return;
        }
        state.previewURL = URL.createObjectURL(file);
        img.onload = () => { info.textContent = file.name + ' (' + img.naturalWidth + 'x' + img.naturalHeight + ')'; };
        img.src = state.previewURL;
        img.hidden = false;
        info.textContent = file.name;
      }

      function clearFormMessages() {
        $('form-error').textContent = '';
        for (const node of document.querySelectorAll('#create-form [aria-invalid]')) node.removeAttribute('aria-invalid');
      }
      function formError(message, param) {
        $('form-status').textContent = '';
        $('form-error').textContent = message;
        const id = param === 'seconds' && currentMode() === 'extend' ? 'extend-seconds' : param && FIELD_FOR_PARAM[param];
        const field = id && $(id);
        if (field && !field.closest('[hidden]')) {
          field.setAttribute('aria-invalid', 'true');
          field.focus();
        }
      }
      function optionalNumber(id, label, integer) {
        const raw = $(id).value.trim();
        if (raw === '') return null;
        const x = Number(raw);
        if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new ApiError(0, label + ' must be ' + (integer ? 'a whole number' : 'a number') + '.', id.replace('-', '_'));
        return raw;
      }

      async function submitForm(ev) {
        ev.preventDefault();
        clearFormMessages();
        const mode = currentMode();
        const prompt = $('prompt').value.trim();
        const button = $('submit');
        try {
          if (!prompt) throw new ApiError(0, 'Write a prompt first.', 'prompt');
          let request;
          if (SOURCE_MODES.includes(mode)) {
            const source = $('source-video').value;
            if (!source) throw new ApiError(0, 'Choose a finished video as the source.', 'video');
            let path, body;
            if (mode === 'remix') {
              path = videoPath(source, '/remix');
              body = { prompt };
              const strength = optionalNumber('strength', 'Strength', false);
              if (strength !== null) body.strength = Number(strength);
            } else if (mode === 'extend') {
              path = '/v1/videos/extensions';
              body = { video: { id: source }, prompt };
              const seconds = $('extend-seconds').value.trim();
              if (seconds) body.seconds = seconds;
            } else {
              path = '/v1/videos/edits';
              body = { video: { id: source }, prompt };
            }
            request = [path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }];
          } else {
            const form = new FormData();
            form.set('prompt', prompt);
            if ($('model').value) form.set('model', $('model').value);
            const size = $('size').value.trim();
            if (size) {
              const parsed = parseSize(size);
              if (!parsed) throw new ApiError(0, 'Size must be WIDTHxHEIGHT, e.g. 256x256.', 'size');
              const m = currentModel();
              if (m && m.size_multiple && (parsed.w % m.size_multiple || parsed.h % m.size_multiple))
                throw new ApiError(0, 'Size ' + size + ': each side must be a multiple of ' + m.size_multiple + '.', 'size');
              if (m && m.max_side && (parsed.w > m.max_side || parsed.h > m.max_side))
                throw new ApiError(0, 'Size ' + size + ': each side must be at most ' + m.max_side + '.', 'size');
              form.set('size', size);
            }
            const seconds = $('seconds').value.trim();
            if (seconds) form.set('seconds', seconds);
            if (mode === 'image') {
              const file = $('input-reference').files[0];
              if (!file) throw new ApiError(0, 'Choose an image to animate.', 'input_reference');
              if (!['image/png', 'image/jpeg'].includes(file.type)) throw new ApiError(0, 'The image must be a PNG or JPEG.', 'input_reference');
              form.set('input_reference', file, file.name);
            }
            if (mode === 'loop') form.set('loop', 'true');
            const negative = $('negative-prompt').value.trim();
            if (negative) form.set('negative_prompt', negative);
            for (const [id, label, integer] of [['seed', 'Seed', true], ['steps', 'Steps', true], ['guidance', 'Guidance', false]]) {
              const value = optionalNumber(id, label, integer);
              if (value !== null) form.set(id, value);
            }
            request = ['/v1/videos', { method: 'POST', body: form }];
          }
          button.disabled = true;
          button.setAttribute('aria-busy', 'true');
          const video = await apiJSON(request[0], request[1]);
          addVideo(video, true);
          const status = $('form-status');
          status.dataset.videoId = video.id;
          status.textContent = STATUS_TEXT[video.status] ? STATUS_TEXT[video.status] + ': ' + describe(video) : 'Created ' + video.id;
          $('gallery-empty').hidden = true;
        } catch (e) {
          formError(e.message, e.param);
        } finally {
          button.disabled = false;
          button.removeAttribute('aria-busy');
        }
      }

      function setupForm() {
        $('create-form').addEventListener('submit', submitForm);
        $('prompt').addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); $('create-form').requestSubmit(); }
        });
        for (const input of document.querySelectorAll('input[name=mode]')) input.addEventListener('change', updateMode);
        $('model').addEventListener('change', applyModelDefaults);
        $('source-video').addEventListener('change', updateSourcePreview);
        setupImageInput();
        updateMode();
      }

      // ---------- the gallery ----------

      function makeCard(v) {
        const id = v.id;
        const promptId = 'prompt-' + id;
        const parts = {};
        parts.thumbnail = el('img', { 'data-testid': 'card-thumbnail', alt: '', hidden: true });
        parts.video = el('video', { 'data-testid': 'card-video', controls: true, loop: true, muted: true, playsinline: true, preload: 'auto', hidden: true });
        parts.video.muted = true;
        parts.placeholderValue = el('strong');
        parts.placeholderText = el('span');
        parts.placeholder = el('div', { class: 'placeholder', 'aria-hidden': 'true' }, [parts.placeholderValue, parts.placeholderText]);
        parts.media = el('div', { class: 'media', 'data-testid': 'card-media' }, [parts.thumbnail, parts.video, parts.placeholder]);
        parts.status = el('span', { class: 'badge', 'data-testid': 'card-status' });
        parts.size = el('span', { 'data-testid': 'card-size' });
        parts.seconds = el('span', { 'data-testid': 'card-seconds' });
        parts.created = el('time', { 'data-testid': 'card-created' });
        parts.prompt = el('p', { class: 'prompt', id: promptId, 'data-testid': 'card-prompt', tabindex: '0' });
        parts.barFill = el('span');
        parts.bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-labelledby': promptId, 'data-testid': 'card-progress' }, [parts.barFill]);
        parts.progressText = el('span', { class: 'progress-text', 'data-testid': 'card-progress-text' });
        parts.progress = el('div', {}, [parts.bar, parts.progressText]);
        parts.error = el('p', { class: 'error', 'data-testid': 'card-error', hidden: true });
        parts.origin = el('p', { class: 'origin', 'data-testid': 'card-origin', hidden: true });
        parts.play = el('button', { type: 'button', 'data-testid': 'card-play', 'aria-pressed': 'false', text: 'Play' });
        parts.download = el('button', { type: 'button', 'data-testid': 'card-download', text: 'Download' });
        parts.useSource = el('button', { type: 'button', 'data-testid': 'card-use-source', text: 'Use as source' });
        parts.remove = el('button', { type: 'button', class: 'danger', 'data-testid': 'card-delete', text: 'Delete' });
        for (const b of [parts.play, parts.download, parts.useSource, parts.remove]) b.setAttribute('aria-describedby', promptId);
        const card = el('li', { class: 'card', 'data-testid': 'video-card', 'data-video-id': id, 'aria-labelledby': promptId }, [
          parts.media,
          el('div', { class: 'body' }, [
            el('div', { class: 'meta' }, [parts.status, parts.size, parts.seconds, parts.created]),
            parts.prompt, parts.progress, parts.error, parts.origin,
            el('div', { class: 'actions' }, [parts.play, parts.download, parts.useSource, parts.remove]),
          ]),
        ]);
        const entry = { video: v, card, parts, media: {}, pending: {}, playing: false, lastAnnounced: null };
        parts.play.addEventListener('click', () => togglePlay(entry));
        parts.download.addEventListener('click', () => download(entry));
        parts.useSource.addEventListener('click', () => useAsSource(entry));
        parts.remove.addEventListener('click', () => deleteVideo(entry));
        return entry;
      }

      function renderCard(entry) {
        const v = entry.video, p = entry.parts;
        const status = v.status || 'queued';
        const progress = clamp(Number(v.progress) || 0, 0, 100);
        entry.card.dataset.status = status;
        p.status.textContent = STATUS_TEXT[status] || status;
        p.size.textContent = v.size || '';
        p.seconds.textContent = v.seconds ? v.seconds + ' s' : '';
        if (v.created_at) {
          const d = new Date(v.created_at * 1000);
          p.created.dateTime = d.toISOString();
          p.created.textContent = d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
        }
        p.prompt.textContent = v.prompt || '(no prompt)';
        p.prompt.title = v.prompt || '';
        const dims = parseSize(v.size);
        if (dims) p.media.style.aspectRatio = clamp(dims.w / dims.h, 9 / 16, 16 / 9).toFixed(4);
        const running = !isTerminal(status);
        p.progress.hidden = !running;
        const shown = status === 'completed' ? 100 : progress;
        p.bar.setAttribute('aria-valuenow', String(shown));
        p.bar.setAttribute('aria-valuetext', (STATUS_TEXT[status] || status) + ', ' + shown + '%');
        p.barFill.style.width = shown + '%';
        p.progressText.textContent = status === 'queued' ? 'Waiting in the queue\u2026' : 'Generating\u2026 ' + shown + '%';
        if (status === 'failed') {
          const err = v.error || {};
          p.error.textContent = err.message ? String(err.message) : 'The generation failed.';
          p.error.hidden = false;
        } else {
          p.error.hidden = true;
        }
        const from = v.remixed_from_video_id;
        p.origin.hidden = !from;
        if (from) {
          const source = state.entries.get(from);
          p.origin.textContent = 'From ' + (source ? describe(source.video) : truncate(from, 18));
          p.origin.title = from;
        }
        const done = status === 'completed';
        p.play.disabled = !done;
        p.download.disabled = !done;
        p.useSource.disabled = !done;
        p.play.hidden = p.download.hidden = p.useSource.hidden = status === 'failed';
        // The media area: a placeholder until the thumbnail (or the video) shows.
        const showingMedia = (!p.thumbnail.hidden && p.thumbnail.complete && p.thumbnail.naturalWidth > 0) || entry.playing;
        p.placeholder.hidden = showingMedia;
        if (!showingMedia) {
          if (status === 'failed') { p.placeholderValue.textContent = '\u00d7'; p.placeholderText.textContent = 'No video'; }
          else if (status === 'completed') { p.placeholderValue.textContent = ''; p.placeholderText.textContent = 'Loading the thumbnail\u2026'; }
          else if (status === 'queued') { p.placeholderValue.textContent = ''; p.placeholderText.textContent = 'Queued'; }
          else { p.placeholderValue.textContent = shown + '%'; p.placeholderText.textContent = 'Generating'; }
        }
        p.thumbnail.alt = v.prompt ? 'Thumbnail: ' + truncate(v.prompt, 120) : 'Thumbnail';
        if (done && !entry.media.thumbnail && !entry.pending.thumbnail && !entry.thumbnailFailed) loadThumbnail(entry);
      }

      function addVideo(v, prepend) {
        if (!v || !v.id) return null;
        let entry = state.entries.get(v.id);
        if (entry) { updateVideo(v); return entry; }
        entry = makeCard(v);
        state.entries.set(v.id, entry);
        renderCard(entry);
        const gallery = $('gallery');
        if (prepend) { entry.card.classList.add('fresh'); gallery.prepend(entry.card); } else gallery.append(entry.card);
        $('gallery-empty').hidden = true;
        if (!isTerminal(v.status)) watch(v.id);
        if (v.status === 'completed') refreshSourceOptionsSoon();
        updateSummary();
        return entry;
      }

      function updateVideo(v) {
        const entry = v && state.entries.get(v.id);
        if (!entry) return;
        const before = entry.video.status;
        entry.video = Object.assign({}, entry.video, v);
        renderCard(entry);
        const after = entry.video.status;
        if (before !== after) {
          if (after === 'completed') announce('Video ' + describe(entry.video) + ' is ready.');
          else if (after === 'failed') announce('Video ' + describe(entry.video) + ' failed: ' + ((entry.video.error && entry.video.error.message) || 'no reason given') + '.');
          else if (after === 'in_progress') announce('Generating ' + describe(entry.video) + '.');
          if (after === 'completed' || before === 'completed') refreshSourceOptionsSoon();
          updateSummary();
        } else if (after === 'in_progress') {
          const quarter = Math.floor((Number(entry.video.progress) || 0) / 25);
          if (quarter > 0 && quarter < 4 && quarter !== entry.lastAnnounced) {
            entry.lastAnnounced = quarter;
            announce(describe(entry.video) + ': ' + quarter * 25 + '% done.');
          }
        }
        if (isTerminal(after)) stopWatching(v.id);
      }

      let sourceTimer = null;
      function refreshSourceOptionsSoon() {
        window.clearTimeout(sourceTimer);
        sourceTimer = window.setTimeout(refreshSourceOptions, 30);
      }

      function updateSummary() {
        let queued = 0, running = 0;
        for (const e of state.entries.values()) {
          if (e.video.status === 'queued') queued += 1;
          else if (e.video.status === 'in_progress') running += 1;
        }
        const parts = [];
        if (running) parts.push(running + ' generating');
        if (queued) parts.push(queued + ' queued');
        $('queue-summary').textContent = parts.join(' \u00b7 ');
      }

      function removeCard(id, options) {
        const entry = state.entries.get(id);
        if (!entry) return;
        stopWatching(id);
        state.entries.delete(id);
        const next = entry.card.nextElementSibling || entry.card.previousElementSibling;
        const hadFocus = entry.card.contains(document.activeElement);
        entry.parts.video.pause();
        entry.parts.video.removeAttribute('src');
        entry.parts.thumbnail.removeAttribute('src');
        entry.card.remove();
        for (const url of Object.values(entry.media)) if (url) URL.revokeObjectURL(url);
        entry.media = {};
        entry.removed = true;
        if (hadFocus && !(options && options.quiet)) {
          const target = next && next.querySelector('button:not(:disabled)');
          (target || $('gallery-heading')).focus();
        }
        if ($('source-video').value === id || SOURCE_MODES.includes(currentMode())) refreshSourceOptionsSoon();
        $('gallery-empty').hidden = state.entries.size > 0 || state.hasMore;
        updateSummary();
      }

      async function loadGallery() {
        const gen = state.generation;
        if (state.loadingGen === gen) return;
        state.loadingGen = gen;
        const more = $('load-more');
        more.disabled = true;
        more.textContent = 'Loading\u2026';
        $('gallery').setAttribute('aria-busy', 'true');
        $('gallery-error').textContent = '';
        try {
          const params = new URLSearchParams({ limit: String(PAGE_SIZE), order: 'desc' });
          if (state.lastId) params.set('after', state.lastId);
          const page = await apiJSON('/v1/videos?' + params.toString());
          if (gen !== state.generation) return;
          const data = Array.isArray(page.data) ? page.data : [];
          for (const v of data) addVideo(v, false);
          if (page.last_id) state.lastId = page.last_id;
          else if (data.length) state.lastId = data[data.length - 1].id;
          state.hasMore = Boolean(page.has_more) && data.length > 0;
        } catch (e) {
          if (gen === state.generation) $('gallery-error').textContent = 'Could not load the videos: ' + e.message;
        } finally {
          if (state.loadingGen === gen) state.loadingGen = -1;
          if (gen === state.generation) {
            more.hidden = !state.hasMore;
            more.disabled = false;
            more.textContent = 'Load more';
            $('gallery').setAttribute('aria-busy', 'false');
            $('gallery-empty').hidden = state.entries.size > 0 || $('gallery-error').textContent !== '';
          }
        }
      }

      async function resetGallery() {
        state.generation += 1;
        for (const id of [...state.entries.keys()]) removeCard(id, { quiet: true });
        state.lastId = null;
        state.hasMore = false;
        $('load-more').hidden = true;
        await loadGallery();
        if (SOURCE_MODES.includes(currentMode())) refreshSourceOptions();
      }

      // ---------- media: fetched with the key, shown through blob URLs ----------

      async function mediaURL(entry, variant) {
        if (entry.media[variant]) return entry.media[variant];
        if (!entry.pending[variant]) {
          entry.pending[variant] = (async () => {
            try {
              const res = await api(videoPath(entry.video.id, '/content?variant=' + variant));
              const blob = await res.blob();
              if (entry.removed) return null;
              const url = URL.createObjectURL(blob);
              entry.media[variant] = url;
              return url;
            } finally {
              entry.pending[variant] = null;
            }
          })();
        }
        return entry.pending[variant];
      }

      async function loadThumbnail(entry) {
        try {
          const url = await mediaURL(entry, 'thumbnail');
          if (!url || entry.removed) return;
          const img = entry.parts.thumbnail;
          img.onload = () => {
            if (!entry.playing) entry.parts.placeholder.hidden = true;
            if ($('source-video').value === entry.video.id) updateSourcePreview();
          };
          img.onerror = () => { img.hidden = true; entry.parts.placeholderText.textContent = 'No thumbnail'; };
          img.src = url;
          img.hidden = entry.playing;
        } catch (e) {
          entry.thumbnailFailed = true;
          if (!entry.removed) entry.parts.placeholderText.textContent = 'No thumbnail (' + e.message + ')';
        }
      }

      async function togglePlay(entry) {
        const p = entry.parts;
        if (entry.playing) {
          entry.playing = false;
          p.video.pause();
          p.video.hidden = true;
          p.thumbnail.hidden = !entry.media.thumbnail;
          p.placeholder.hidden = Boolean(entry.media.thumbnail);
          p.play.textContent = 'Play';
          p.play.setAttribute('aria-pressed', 'false');
          return;
        }
        p.play.disabled = true;
        p.play.textContent = 'Loading\u2026';
        try {
          const url = await mediaURL(entry, 'video');
          if (!url || entry.removed) return;
          if (p.video.getAttribute('src') !== url) p.video.src = url;
          entry.playing = true;
          p.video.hidden = false;
          p.thumbnail.hidden = true;
          p.placeholder.hidden = true;
          p.play.textContent = 'Stop';
          p.play.setAttribute('aria-pressed', 'true');
          p.video.play().catch(() => { /* autoplay refused: the controls still work */ });
        } catch (e) {
          p.play.textContent = 'Play';
          showCardError(entry, 'Could not load the video: ' + e.message);
        } finally {
          p.play.disabled = entry.video.status !== 'completed';
        }
      }

      async function download(entry) {
        const p = entry.parts;
        p.download.disabled = true;
        const label = p.download.textContent;
        p.download.textContent = 'Preparing\u2026';
        try {
          const url = await mediaURL(entry, 'video');
          if (!url) return;
          const a = el('a', { href: url, download: entry.video.id + '.mp4', hidden: true });
          document.body.append(a);
          a.click();
          a.remove();
        } catch (e) {
          showCardError(entry, 'Could not download the video: ' + e.message);
        } finally {
          p.download.textContent = label;
          p.download.disabled = entry.video.status !== 'completed';
        }
      }

      function showCardError(entry, message) {
        if (entry.removed) return;
        entry.parts.error.textContent = message;
        entry.parts.error.hidden = false;
      }

      function useAsSource(entry) {
        if (!SOURCE_MODES.includes(currentMode())) $('mode-remix').checked = true;
        updateMode();
        refreshSourceOptions();
        $('source-video').value = entry.video.id;
        updateSourcePreview();
        $('create-form').scrollIntoView({ behavior: 'smooth', block: 'start' });
        $('prompt').focus({ preventScroll: true });
        announce('Source: ' + describe(entry.video) + '.');
      }

      async function deleteVideo(entry) {
        const v = entry.video;
        if (!window.confirm('Delete the video ' + describe(v) + '? This cannot be undone.')) return;
        entry.parts.remove.disabled = true;
        entry.parts.remove.textContent = 'Deleting\u2026';
        stopWatching(v.id);
        try {
          await api(videoPath(v.id), { method: 'DELETE' });
          removeCard(v.id);
          announce('Deleted ' + describe(v) + '.');
        } catch (e) {
          if (e.status === 404) { removeCard(v.id); return; }
          entry.parts.remove.disabled = false;
          entry.parts.remove.textContent = 'Delete';
          showCardError(entry, 'Could not delete: ' + e.message);
          if (!isTerminal(entry.video.status)) watch(v.id);
        }
      }

      // ---------- live progress: the event stream, or polling ----------

      function watch(id) {
        if (state.watchers.has(id)) return;
        const w = { ctrl: new AbortController(), timer: null, failures: 0 };
        state.watchers.set(id, w);
        if (state.streams < MAX_STREAMS && window.ReadableStream && window.TextDecoderStream) stream(id, w);
        else poll(id, w, 0);
      }

      function stopWatching(id) {
        const w = state.watchers.get(id);
        if (!w) return;
        state.watchers.delete(id);
        window.clearTimeout(w.timer);
        w.ctrl.abort();
      }

      function gone(id) {
        const entry = state.entries.get(id);
        if (entry) announce('Video ' + describe(entry.video) + ' no longer exists.');
        removeCard(id, { quiet: true });
      }

      function handleEvent(block) {
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'event') name = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length === 0 || (name !== 'video' && name !== 'message')) return;
        try { updateVideo(JSON.parse(data.join('\n'))); } catch (e) { /* a malformed event: the next one or the poll catches up */ }
      }

      async function stream(id, w) {
        state.streams += 1;
        let fallback = true;
        try {
          const res = await api(videoPath(id, '/events'), { signal: w.ctrl.signal, headers: { Accept: 'text/event-stream' } });
          if (!res.body) throw new Error('no stream body');
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer = (buffer + value).replace(/\r\n/g, '\n');
            let cut;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              handleEvent(buffer.slice(0, cut));
              buffer = buffer.slice(cut + 2);
            }
            const entry = state.entries.get(id);
            if (!entry || isTerminal(entry.video.status)) {
              reader.cancel().catch(() => {});
              fallback = false;
              break;
            }
          }
        } catch (e) {
          if (isAbort(e) || w.ctrl.signal.aborted) fallback = false;
          else if (e.status === 404) { fallback = false; gone(id); }
          else if (e.status === 401) { fallback = false; stopWatching(id); }
        } finally {
          state.streams -= 1;
        }
        if (!fallback || state.watchers.get(id) !== w) return;
        const entry = state.entries.get(id);
        if (!entry || isTerminal(entry.video.status)) { stopWatching(id); return; }
        poll(id, w, 300);   // the stream ended early or failed: poll until the job finishes
      }

      function poll(id, w, delay) {
        window.clearTimeout(w.timer);
        w.timer = window.setTimeout(async () => {
          if (w.ctrl.signal.aborted) return;
          let next = 2000;
          try {
            const res = await api(videoPath(id), { signal: w.ctrl.signal });
            const after = Number(res.headers.get('openai-poll-after-ms'));
            if (Number.isFinite(after) && after > 0) next = clamp(after, 250, 60000);
            const v = await res.json();
            w.failures = 0;
            updateVideo(v);
            if (isTerminal(v.status)) { stopWatching(id); return; }
          } catch (e) {
            if (isAbort(e) || w.ctrl.signal.aborted) return;
            if (e.status === 404) { gone(id); return; }
            if (e.status === 401) { stopWatching(id); return; }
            w.failures += 1;
            next = clamp(1000 * 2 ** w.failures, 1000, 30000);
          }
          if (state.watchers.get(id) === w) poll(id, w, next);
        }, delay);
      }

      // ---------- start ----------

      function start() {
        setupSettings();
        setupForm();
        $('load-more').addEventListener('click', loadGallery);
        $('refresh').addEventListener('click', () => { resetGallery(); });
        window.addEventListener('beforeunload', () => { for (const id of [...state.watchers.keys()]) stopWatching(id); });
        reloadEverything();
      }
      start();
    """#
}
