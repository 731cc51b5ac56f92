'use strict';
// imagen-gateway studio: a client of the gateway's own HTTP API (POST /v1/generations, SSE events,
// GET /v1/models, /v1/generations/{id}), with no dependencies and no build step.
(() => {
  const $ = (s, root = document) => root.querySelector(s);
  const $$ = (s, root = document) => Array.from(root.querySelectorAll(s));

  // The catalogue the gateway serves at GET /v1/models; used only while it answers 404.
  const GEMINI_FIELDS = ['prompt', 'sampleCount', 'seed', 'aspectRatio', 'imageSize', 'personGeneration', 'safetySetting',
    'outputOptions', 'thinkingLevel', 'images'];
  const GEMINI_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
  const FALLBACK_MODELS = {
    defaultModel: 'gemini-3.1-flash-image',
    models: [
      { id: 'gemini-3.1-flash-image', protocol: 'gemini', servedBy: null, previews: false, fields: GEMINI_FIELDS,
        aspectRatios: GEMINI_RATIOS, imageSizes: ['1K', '2K', '4K'], thinkingLevels: ['MINIMAL', 'HIGH'], maxSampleCount: 4,
        mimeTypes: ['image/png', 'image/jpeg'] },
      { id: 'gemini-3-pro-image', protocol: 'gemini', servedBy: null, previews: true, fields: GEMINI_FIELDS,
        aspectRatios: GEMINI_RATIOS, imageSizes: ['1K', '2K', '4K'], thinkingLevels: ['MINIMAL', 'HIGH'], maxSampleCount: 4,
        mimeTypes: ['image/png', 'image/jpeg'] },
      { id: 'imagen-4.0-fast-generate-001', protocol: 'imagen', servedBy: 'gemini-3.1-flash-image', thinkingLevel: 'MINIMAL',
        previews: false,
        fields: ['prompt', 'negativePrompt', 'sampleCount', 'seed', 'addWatermark', 'aspectRatio', 'enhancePrompt', 'includeRaiReason',
          'includeSafetyAttributes', 'outputOptions', 'personGeneration', 'safetySetting', 'sampleImageSize', 'language', 'storageUri'],
        aspectRatios: ['1:1', '3:4', '4:3', '9:16', '16:9'], imageSizes: ['1K', '2K'], maxSampleCount: 4,
        mimeTypes: ['image/png', 'image/jpeg'] }
    ]
  };
  // Vertex's defaults for the checkboxes: a checkbox left at its default is not sent.
  const CHECK_DEFAULTS = { addWatermark: true, enhancePrompt: true, includeRaiReason: false, includeSafetyAttributes: false };
  // Controls that are not request parameters, or that every model has.
  const ALWAYS = new Set(['model', 'prompt', 'inline', 'apiKey', 'fault']);
  const SSE_EVENTS = ['accepted', 'attempt', 'retry', 'text', 'preview', 'image', 'filtered', 'done', 'error'];
  const MAX_IMAGES_CHARS = 180 * 1024; // base64 characters of all reference images together
  const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
  const HISTORY_KEY = 'imagen-studio.history.v1';
  const HISTORY_MAX = 30;
  const MAX_LOG_ROWS = 400;

  const form = $('#form');
  const ui = {
    model: $('#model'), modelNote: $('#model-note'), prompt: $('#prompt'), promptCount: $('#prompt-count'),
    seed: $('#seed'), wm: $('#addWatermark'), wmNote: $('#wm-note'), mime: $('#mimeType'), cq: $('#compressionQuality'),
    cqOut: $('#cq-out'), images: $('#images'), imageList: $('#image-list'), submit: $('#submit'), problem: $('#problem'),
    status: $('#status'), statusText: $('#status-text'), cache: $('#cache'), served: $('#served'), det: $('#deterministic'),
    genIdWrap: $('#gen-id-wrap'), genId: $('#gen-id'), timing: $('#timing'), notes: $('#notes'), grid: $('#grid'),
    summary: $('#summary'), log: $('#log'), logCount: $('#log-count'), again: $('#again'), retry: $('#retry'),
    history: $('#history'), historyNote: $('#history-note'), apiKey: $('#apiKey'), fault: $('#fault'), inline: $('#inline')
  };

  let catalog = FALLBACK_MODELS;
  let refImages = []; // {name, mimeType, data, chars}
  let run = null; // the generation on screen
  let lastBody = null; // the last submitted body, for "same seed again" and retry
  let retryTimer = null;

  // --- small helpers -----------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  const fmtMs = (ms) => (ms == null ? '—' : ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(2) + ' s');
  const kb = (n) => (n / 1024).toFixed(n < 10240 ? 1 : 0) + ' KB';
  const plural = (n, w) => n + ' ' + w + (n === 1 ? '' : 's');
  const apiKey = () => ui.apiKey.value.trim();
  function withKey(url) {
    const key = apiKey();
    if (!key || !url || url.startsWith('data:')) return url;
    const u = new URL(url, location.origin);
    if (u.origin !== location.origin) return url;
    u.searchParams.set('key', key);
    return u.pathname + u.search;
  }
  function headers(extra) {
    const h = Object.assign({ Accept: 'application/json' }, extra || {});
    if (apiKey()) h['X-API-Key'] = apiKey();
    return h;
  }
  async function readJson(res) {
    const text = await res.text();
    if (!text) return null;
    try { return JSON.parse(text); } catch { return { detail: text.slice(0, 400) }; }
  }
  function model() {
    return catalog.models.find((m) => m.id === ui.model.value) || catalog.models[0];
  }
  const has = (m, field) => Array.isArray(m.fields) && m.fields.includes(field);
  // A long base64 string makes the log unreadable: show its size instead.
  function forLog(value) {
    return JSON.stringify(value, (k, v) => (typeof v === 'string' && v.length > 160 && (k === 'data' || /^[A-Za-z0-9+/=]+$/.test(v))
      ? '<' + kb(v.length) + ' base64>' : v), 2);
  }

  // --- models ------------------------------------------------------------------------------------
  async function loadModels() {
    let note;
    try {
      const res = await fetch('/v1/models', { headers: headers() });
      if (res.ok) {
        const data = await res.json();
        if (!data || !Array.isArray(data.models) || data.models.length === 0) throw new Error('no models in the answer');
        catalog = data;
        note = '';
      } else if (res.status === 404) {
        note = 'Built-in model list: this gateway does not serve /v1/models yet.';
      } else {
        note = 'Built-in model list: /v1/models answered ' + res.status + '.';
      }
    } catch (err) {
      note = 'Built-in model list: /v1/models failed (' + err.message + ').';
    }
    catalog.source = note ? 'built-in' : 'gateway';
    document.documentElement.dataset.models = catalog.source;
    ui.model.textContent = '';
    const groups = {};
    for (const m of catalog.models) {
      const label = m.protocol === 'imagen' ? 'Imagen (:predict surface)' : m.protocol === 'gemini' ? 'Gemini' : (m.protocol || 'Other');
      if (!groups[label]) { groups[label] = el('optgroup'); groups[label].label = label; ui.model.append(groups[label]); }
      const o = el('option', null, m.id + (m.previews ? ' · previews' : ''));
      o.value = m.id;
      groups[label].append(o);
    }
    const wanted = catalog.models.some((m) => m.id === catalog.defaultModel) ? catalog.defaultModel : catalog.models[0].id;
    ui.model.value = wanted;
    ui.model.dataset.note = note;
    applyModel();
  }

  function fillSelect(select, values, { blank = 'Default', keep = true, labels } = {}) {
    const before = select.value;
    select.textContent = '';
    if (blank != null) { const o = el('option', null, blank); o.value = ''; select.append(o); }
    for (const v of values || []) {
      const o = el('option', null, labels ? labels(v) : String(v));
      o.value = String(v);
      select.append(o);
    }
    if (keep && Array.from(select.options).some((o) => o.value === before)) select.value = before;
  }

  function applyModel() {
    const m = model();
    const note = [];
    if (m.protocol === 'imagen' && m.servedBy) note.push('served by ' + m.servedBy + (m.thinkingLevel ? ' (thinking ' + m.thinkingLevel + ')' : ''));
    if (m.previews) note.push('streams interim previews');
    if (ui.model.dataset.note) note.push(ui.model.dataset.note);
    ui.modelNote.textContent = note.join(' · ');
    ui.modelNote.hidden = note.length === 0;

    const max = Math.max(1, Math.min(4, m.maxSampleCount || 4));
    const count = $('#sampleCount').value || '1';
    fillSelect($('#sampleCount'), Array.from({ length: max }, (_, i) => i + 1), { blank: null });
    $('#sampleCount').value = String(Math.min(Number(count) || 1, max));
    fillSelect($('#aspectRatio'), m.aspectRatios);
    fillSelect($('#imageSize'), m.imageSizes);
    fillSelect($('#sampleImageSize'), m.imageSizes);
    fillSelect($('#thinkingLevel'), m.thinkingLevels);
    fillSelect(ui.mime, m.mimeTypes, { labels: (t) => t.replace('image/', '').toUpperCase() });

    for (const wrap of $$('[data-field]', form)) {
      const name = wrap.dataset.field;
      const top = name.split('.')[0];
      const shown = ALWAYS.has(name) || has(m, top);
      wrap.hidden = !shown;
      // hidden controls are disabled: not validated by the browser, not sent
      for (const c of $$('input,select,textarea', wrap)) c.disabled = !shown;
    }
    for (const g of $$('details.group', form)) g.hidden = $$('[data-field]', g).every((w) => w.hidden);
    syncSeed();
    syncMime();
  }

  // --- dependent controls ------------------------------------------------------------------------
  // Imagen: a seed requires "addWatermark": false. The checkbox follows the seed and gets back the
  // user's own choice when the seed goes.
  let wmBeforeSeed = true;
  function syncSeed() {
    const rule = has(model(), 'addWatermark');
    const forced = rule && ui.seed.value.trim() !== '' && !ui.seed.disabled;
    if (forced && !ui.wm.dataset.bySeed) { wmBeforeSeed = ui.wm.checked; ui.wm.dataset.bySeed = '1'; }
    if (!forced && ui.wm.dataset.bySeed) { ui.wm.checked = wmBeforeSeed; delete ui.wm.dataset.bySeed; }
    if (forced) ui.wm.checked = false;
    if (rule) ui.wm.disabled = forced;
    ui.wmNote.hidden = !forced;
  }
  function syncMime() {
    const jpeg = ui.mime.value === 'image/jpeg' && !ui.mime.disabled;
    const wrap = $('[data-field="outputOptions.compressionQuality"]');
    wrap.hidden = !jpeg;
    ui.cq.disabled = !jpeg;
    ui.cqOut.textContent = ui.cq.value;
  }
  function syncCount() {
    const n = ui.prompt.value.length, max = Number(ui.prompt.maxLength) || 4000;
    ui.promptCount.textContent = n + ' / ' + max;
    ui.promptCount.classList.toggle('near', n > max * 0.9);
  }

  // --- reference images --------------------------------------------------------------------------
  function readAsBase64(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
      r.onerror = () => reject(r.error || new Error('could not read the file'));
      r.readAsDataURL(file);
    });
  }
  async function addImages(files) {
    const wrap = $('[data-field="images"]');
    clearFieldErrors(wrap);
    const problems = [];
    for (const file of files) {
      if (!IMAGE_TYPES.includes(file.type)) { problems.push(file.name + ': not a PNG, JPEG or WebP image'); continue; }
      let data;
      try { data = await readAsBase64(file); } catch (err) { problems.push(file.name + ': ' + err.message); continue; }
      const used = refImages.reduce((s, i) => s + i.chars, 0);
      if (used + data.length > MAX_IMAGES_CHARS) {
        problems.push(file.name + ': ' + kb(data.length) + ' as sent would exceed the ' + kb(MAX_IMAGES_CHARS) + ' budget ('
          + kb(MAX_IMAGES_CHARS - used) + ' left)');
        continue;
      }
      refImages.push({ name: file.name, mimeType: file.type, data, chars: data.length });
    }
    ui.images.value = '';
    renderImages();
    for (const p of problems) fieldError(wrap, p);
  }
  function renderImages() {
    ui.imageList.textContent = '';
    refImages.forEach((img, i) => {
      const li = el('li');
      const t = el('img'); t.src = 'data:' + img.mimeType + ';base64,' + img.data; t.alt = '';
      const name = el('span', null, img.name + ' · ' + kb(img.chars));
      const rm = el('button', 'ghost', '×'); rm.type = 'button'; rm.setAttribute('aria-label', 'Remove ' + img.name);
      rm.addEventListener('click', () => { refImages.splice(i, 1); renderImages(); clearFieldErrors($('[data-field="images"]')); ui.images.focus(); });
      li.append(t, name, rm);
      ui.imageList.append(li);
    });
    const used = refImages.reduce((s, i) => s + i.chars, 0);
    $('#images-budget').textContent = refImages.length ? kb(used) + ' of ' + kb(MAX_IMAGES_CHARS) + ' used' : kb(MAX_IMAGES_CHARS);
  }

  // --- the request body --------------------------------------------------------------------------
  function buildBody() {
    const m = model();
    const f = form.elements;
    const on = (name) => has(m, name) && !f[name].disabled;
    const body = { model: m.id, prompt: f.prompt.value.trim() };
    const text = (name) => { if (has(m, name)) { const v = f[name].value.trim(); if (v) body[name] = v; } };
    text('negativePrompt');
    if (has(m, 'sampleCount')) body.sampleCount = Number(f.sampleCount.value);
    const seed = f.seed.value.trim();
    if (has(m, 'seed') && seed) body.seed = Number(seed);
    for (const name of ['aspectRatio', 'imageSize', 'sampleImageSize', 'thinkingLevel', 'personGeneration', 'safetySetting', 'language', 'storageUri']) text(name);
    if (has(m, 'addWatermark')) {
      if (body.seed != null) body.addWatermark = false;
      else if (f.addWatermark.checked !== CHECK_DEFAULTS.addWatermark) body.addWatermark = f.addWatermark.checked;
    }
    for (const name of ['enhancePrompt', 'includeRaiReason', 'includeSafetyAttributes']) {
      if (on(name) && f[name].checked !== CHECK_DEFAULTS[name]) body[name] = f[name].checked;
    }
    if (has(m, 'outputOptions') && ui.mime.value) {
      body.outputOptions = { mimeType: ui.mime.value };
      if (ui.mime.value === 'image/jpeg' && !ui.cq.disabled) body.outputOptions.compressionQuality = Number(ui.cq.value);
    }
    if (has(m, 'images') && refImages.length) body.images = refImages.map((i) => ({ mimeType: i.mimeType, data: i.data }));
    return body;
  }

  // --- field errors (problem+json) ---------------------------------------------------------------
  function clearFieldErrors(wrap) {
    for (const p of $$('.ferr', wrap)) p.remove();
    for (const c of $$('[aria-invalid]', wrap)) {
      c.removeAttribute('aria-invalid');
      const ids = (c.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && !id.includes('-err-'));
      if (ids.length) c.setAttribute('aria-describedby', ids.join(' ')); else c.removeAttribute('aria-describedby');
    }
  }
  function clearProblems() {
    ui.problem.hidden = true;
    ui.problem.textContent = '';
    clearFieldErrors(form);
  }
  function fieldError(wrap, message) {
    const ctl = $('input:not([type=hidden]),select,textarea', wrap);
    const p = el('p', 'ferr', message);
    p.id = (ctl ? ctl.id : 'f') + '-err-' + $$('.ferr', wrap).length;
    wrap.append(p);
    if (ctl) {
      ctl.setAttribute('aria-invalid', 'true');
      ctl.setAttribute('aria-describedby', ((ctl.getAttribute('aria-describedby') || '') + ' ' + p.id).trim());
    }
    return ctl;
  }
  // "outputOptions.mimeType", "images[0].data", "sampleImageSize": the closest visible field.
  function wrapFor(field) {
    let name = String(field || '').replace(/\[\d+\]/g, '');
    while (name) {
      const wrap = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
      if (wrap && !wrap.hidden) return wrap;
      name = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    }
    if (String(field).startsWith('outputOptions')) {
      const wrap = form.querySelector('[data-field="outputOptions.mimeType"]');
      if (wrap && !wrap.hidden) return wrap;
    }
    return null;
  }
  function showProblem(p, status) {
    ui.problem.textContent = '';
    ui.problem.append(el('strong', null, (p.title || 'Request failed') + ' (' + (p.status || status) + ')'));
    const errors = Array.isArray(p.errors) ? p.errors : [];
    if (p.detail && errors.length === 0) ui.problem.append(el('p', null, p.detail));
    const rest = [];
    let first = null;
    for (const fe of errors) {
      const wrap = wrapFor(fe.field);
      if (wrap) {
        const group = wrap.closest('details');
        if (group) group.open = true;
        const c = fieldError(wrap, fe.message || 'is not valid');
        first = first || c;
      } else rest.push(fe);
    }
    if (errors.length) ui.problem.append(el('p', null, errors.length - rest.length > 0
      ? 'Fix the ' + plural(errors.length - rest.length, 'marked field') + (rest.length ? ' and:' : '.') : ''));
    if (rest.length) {
      const ul = el('ul');
      for (const fe of rest) ul.append(el('li', null, (fe.field ? fe.field + ': ' : '') + (fe.message || 'is not valid')));
      ui.problem.append(ul);
    }
    // a problem that only named fields goes away with its last field error
    if (errors.length && !rest.length) ui.problem.dataset.fieldsOnly = '1'; else delete ui.problem.dataset.fieldsOnly;
    ui.problem.hidden = false;
    return first;
  }

  // --- status line, facts ------------------------------------------------------------------------
  function setStatus(state, text) {
    ui.status.dataset.state = state;
    ui.statusText.textContent = text;
  }
  function setBadge(cache) {
    ui.cache.hidden = !cache;
    ui.cache.className = 'badge ' + (cache || '');
    ui.cache.textContent = cache || '';
    ui.cache.title = cache === 'hit' ? 'Replayed from the gateway cache' : cache === 'coalesced' ? 'Shared an identical request in flight' : 'Computed upstream';
    if (cache) ui.cache.setAttribute('aria-label', 'cache ' + cache); else ui.cache.removeAttribute('aria-label');
  }
  function setFacts(d) {
    if (d.servedBy) { ui.served.hidden = false; ui.served.textContent = 'served by ' + d.servedBy; }
    if (d.deterministic != null) ui.det.hidden = !d.deterministic;
  }
  function updateTiming() {
    if (!run) return;
    const parts = ['elapsed ' + fmtMs((run.end || performance.now()) - run.t0)];
    if (run.first != null) parts.push('first event ' + fmtMs(run.first));
    ui.timing.hidden = false;
    ui.timing.textContent = parts.join(' · ');
  }

  // --- event log ---------------------------------------------------------------------------------
  function log(id, name, data, cls) {
    if (!run) return;
    run.logged++;
    const li = el('li');
    li.dataset.event = name;
    if (id) li.dataset.id = id;
    const head = el('div', 'lh');
    const mark = id ? '#' + id : (cls || '').startsWith('http') ? (cls === 'http' ? '→' : '←') : '·';
    head.append(el('span', id ? 'lid' : 'lid dir', mark), el('span', 'ln ' + (cls || name), name),
      el('span', 'lt', '+' + fmtMs(performance.now() - run.t0)));
    li.append(head);
    if (data !== undefined && data !== null && data !== '') li.append(el('pre', null, typeof data === 'string' ? data : forLog(data)));
    const stick = ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 8;
    ui.log.append(li);
    while (ui.log.children.length > MAX_LOG_ROWS) ui.log.firstElementChild.remove();
    if (stick) ui.log.scrollTop = ui.log.scrollHeight;
    updateLogCount();
  }
  function updateLogCount() {
    if (!run) { ui.logCount.textContent = ''; return; }
    ui.logCount.textContent = '· ' + plural(run.events, 'event') + (run.dupes ? ' · ' + plural(run.dupes, 'duplicate') + ' skipped' : '');
  }

  // --- results -----------------------------------------------------------------------------------
  function resetResult(ratio) {
    ui.grid.textContent = '';
    delete ui.grid.dataset.count;
    ui.grid.style.setProperty('--ar', (ratio || '1:1').replace(':', ' / '));
    ui.grid.append(el('p', 'empty', 'Images appear here.'));
    ui.notes.textContent = ''; ui.notes.hidden = true;
    ui.summary.textContent = ''; ui.summary.hidden = true;
    ui.log.textContent = '';
    ui.served.hidden = true; ui.det.hidden = true;
    ui.genIdWrap.hidden = true; ui.timing.hidden = true;
    setBadge(null);
    hideRetry();
  }
  function ensureSlots(count) {
    const empty = $('.empty', ui.grid);
    if (empty && count > 0) empty.remove();
    if (count > (Number(ui.grid.dataset.count) || 0)) ui.grid.dataset.count = String(Math.min(count, 4));
    while ($$('.slot', ui.grid).length < count) {
      const i = $$('.slot', ui.grid).length;
      const fig = el('figure', 'slot pending');
      fig.dataset.index = i;
      const media = el('div', 'media');
      media.setAttribute('role', 'img');
      media.setAttribute('aria-label', 'Image ' + (i + 1) + ' pending');
      fig.append(media, el('figcaption', null, '#' + (i + 1) + ' · waiting…'));
      ui.grid.append(fig);
    }
  }
  function slot(index) {
    ensureSlots(index + 1);
    const fig = $('.slot[data-index="' + index + '"]', ui.grid);
    const media = $('.media', fig), cap = $('figcaption', fig);
    media.textContent = ''; cap.textContent = '';
    media.removeAttribute('role'); media.removeAttribute('aria-label');
    return { fig, media, cap };
  }
  function picture(d, alt) {
    const src = d.data ? 'data:' + (d.mimeType || 'image/png') + ';base64,' + d.data : withKey(d.url);
    const a = el('a'); a.href = withKey(d.url) || src; a.target = '_blank'; a.rel = 'noopener';
    const img = el('img'); img.src = src; img.decoding = 'async'; img.alt = alt;
    // a replayed job does not say its aspect ratio: the image does
    img.addEventListener('load', () => {
      const media = img.closest('.media');
      if (media && img.naturalWidth) media.style.setProperty('--ar', img.naturalWidth + ' / ' + img.naturalHeight);
    }, { once: true });
    a.append(img);
    return a;
  }
  function renderPreview(d) {
    if (!Number.isInteger(d.index) || run.final.has(d.index)) return;
    const { fig, media, cap } = slot(d.index);
    fig.className = 'slot preview';
    fig.dataset.previews = String((Number(fig.dataset.previews) || 0) + 1);
    media.append(picture(d, 'Preview of image ' + (d.index + 1)), el('span', 'tag', 'preview'));
    cap.append(el('div', 'meta', '#' + (d.index + 1) + ' · preview · ' + kb(d.bytes || 0)));
    setStatus('streaming', 'Preview of image ' + (d.index + 1) + ' received; the final image follows…');
  }
  function renderImage(d) {
    if (!Number.isInteger(d.index) || run.final.has(d.index)) return;
    run.final.add(d.index);
    if (!run.thumb && d.url) run.thumb = d.url;
    const { fig, media, cap } = slot(d.index);
    fig.className = 'slot final';
    media.append(picture(d, d.prompt || run.prompt || 'Generated image ' + (d.index + 1)));
    if (d.prompt) cap.append(el('div', 'cap', d.prompt));
    const meta = el('div', 'meta');
    meta.append(el('span', null, '#' + (d.index + 1) + ' · ' + (d.mimeType || '').replace('image/', '') + ' · ' + kb(d.bytes || 0)));
    const dl = el('a', null, 'open'); dl.href = withKey(d.url); dl.target = '_blank'; dl.rel = 'noopener';
    meta.append(dl);
    cap.append(meta);
    if (d.sha256) cap.append(el('div', 'sub', 'sha256 ' + d.sha256.slice(0, 16) + '…'));
    if (d.gcsUri) cap.append(el('div', 'sub', d.gcsUri));
  }
  function renderFiltered(d) {
    if (!Number.isInteger(d.index) || run.final.has(d.index)) return;
    run.final.add(d.index);
    const { fig, media, cap } = slot(d.index);
    fig.className = 'slot filtered';
    media.textContent = 'Filtered by the safety filter';
    cap.append(el('div', 'cap', d.reason || 'No reason given (set “Say why an image was filtered”).'));
  }
  function markMissing(text) {
    for (const fig of $$('.slot.pending, .slot.preview', ui.grid)) {
      const i = Number(fig.dataset.index);
      if (run.final.has(i)) continue;
      const { media, cap } = slot(i);
      fig.className = 'slot missing';
      media.textContent = text;
      cap.textContent = '#' + (i + 1);
    }
  }
  function appendText(d) {
    ui.notes.hidden = false;
    const index = Number.isInteger(d.index) ? d.index : 0;
    let p = $('p[data-index="' + index + '"]', ui.notes);
    if (!p) { p = el('p'); p.dataset.index = index; ui.notes.append(p); }
    p.textContent += d.text || '';
  }
  function chip(label, value) {
    const c = el('span', 'chip');
    c.append(label + ' ', el('b', null, String(value)));
    return c;
  }
  function renderSummary(d) {
    ui.summary.textContent = '';
    ui.summary.append(chip('images', d.images ?? 0), chip('filtered', d.filtered ?? 0), chip('attempts', d.attempts ?? 0));
    if (d.upstreamMs != null) ui.summary.append(chip('upstream', fmtMs(d.upstreamMs)));
    if (d.totalMs != null) ui.summary.append(chip('server total', fmtMs(d.totalMs)));
    const u = d.usage;
    if (u && typeof u === 'object') {
      const box = el('div', 'usage');
      box.id = 'usage';
      ui.summary.append(el('span', 'usage-title', 'Tokens'));
      if (u.promptTokenCount != null) ui.summary.append(chip('prompt', u.promptTokenCount));
      const details = Array.isArray(u.candidatesTokensDetails) ? u.candidatesTokensDetails : [];
      if (details.length) {
        for (const t of details) {
          const c = chip(String(t.modality || '?').toLowerCase(), t.tokenCount ?? 0);
          c.dataset.modality = t.modality || '';
          ui.summary.append(c);
        }
      } else if (u.candidatesTokenCount != null) ui.summary.append(chip('output', u.candidatesTokenCount));
      if (u.thoughtsTokenCount != null) ui.summary.append(chip('thinking', u.thoughtsTokenCount));
      if (u.totalTokenCount != null) ui.summary.append(chip('total', u.totalTokenCount));
    }
    ui.summary.hidden = false;
  }

  // --- retry -------------------------------------------------------------------------------------
  function hideRetry() {
    clearInterval(retryTimer); retryTimer = null;
    ui.retry.hidden = true; ui.retry.disabled = false; ui.retry.textContent = 'Retry';
  }
  function offerRetry(afterMs) {
    hideRetry();
    if (!lastBody) return;
    ui.retry.hidden = false;
    if (afterMs > 0) {
      const until = Date.now() + afterMs;
      const tick = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        if (left <= 0) { clearInterval(retryTimer); retryTimer = null; ui.retry.disabled = false; ui.retry.textContent = 'Retry'; return; }
        ui.retry.disabled = true;
        ui.retry.textContent = 'Retry in ' + left + ' s';
      };
      tick();
      retryTimer = setInterval(tick, 250);
    }
  }

  // --- the stream --------------------------------------------------------------------------------
  function closeStream() {
    if (run && run.es) { run.es.close(); run.es = null; }
    if (run && run.ticker) { clearInterval(run.ticker); run.ticker = null; }
  }
  function newRun(prompt, replay, ratio) {
    closeStream();
    resetResult(ratio);
    run = { t0: performance.now(), first: null, end: null, done: false, final: new Set(), seen: new Set(), lastId: null,
      events: 0, dupes: 0, logged: 0, prompt, replay, reconnecting: false, es: null, id: null, thumb: null, cache: null };
    run.ticker = setInterval(updateTiming, 200);
    updateTiming();
    updateLogCount();
    return run;
  }
  function openStream(cur, events) {
    const u = new URL(events, location.origin);
    if (ui.inline.checked) u.searchParams.set('inline', 'true');
    const url = withKey(u.pathname + u.search);
    const es = new EventSource(url);
    cur.es = es;
    setStatus('connecting', 'Connecting to the event stream…');
    es.onopen = () => {
      if (run !== cur || cur.done) return;
      if (cur.reconnecting) {
        cur.reconnecting = false;
        log('', 'reconnected', 'resuming after event ' + (cur.lastId || 'none'), 'conn-ok');
        setStatus('streaming', 'Reconnected; resuming after event ' + (cur.lastId || 'none') + '…');
      } else if (cur.events === 0) setStatus('streaming', 'Connected; waiting for the first event…');
    };
    for (const name of SSE_EVENTS) es.addEventListener(name, (e) => onEvent(cur, name, e));
  }
  // EventSource reports its own connection failures as "error" events, and so are the gateway's
  // problem events named: only the latter are MessageEvents with data.
  function onConnectionError(cur) {
    const es = cur.es;
    if (run !== cur || cur.done || !es) return;
    if (es.readyState === EventSource.CONNECTING) {
      if (!cur.reconnecting) log('', 'disconnected', 'the browser reconnects with Last-Event-ID: ' + (cur.lastId || 'none'), 'conn');
      cur.reconnecting = true;
      setStatus('reconnecting', 'Reconnecting… (last event id ' + (cur.lastId || 'none') + ')');
    } else {
      closeStream();
      cur.done = true; cur.end = performance.now(); updateTiming();
      log('', 'closed', 'the event stream was refused or closed', 'conn');
      setStatus('error', 'The event stream closed before the generation finished.');
      checkGone(cur);
      offerRetry(0);
      busy(false);
    }
  }
  async function checkGone(cur) {
    if (!cur.id) return;
    try {
      const res = await fetch('/v1/generations/' + encodeURIComponent(cur.id), { headers: headers() });
      if (res.status === 404 && run === cur) {
        setStatus('error', 'The gateway no longer has generation ' + cur.id + ' (expired or the gateway restarted).');
        historyUpdate(cur.id, { gone: true });
      }
    } catch { /* the status line already says it failed */ }
  }
  function onEvent(cur, name, e) {
    if (name === 'error' && !(e instanceof MessageEvent)) { onConnectionError(cur); return; }
    if (run !== cur) return;
    const id = e.lastEventId || '';
    if (id && cur.seen.has(id)) { cur.dupes++; updateLogCount(); return; }
    if (id) { cur.seen.add(id); cur.lastId = id; }
    cur.events++;
    if (cur.first == null) cur.first = performance.now() - cur.t0;
    let d;
    try { d = JSON.parse(e.data); } catch { d = { raw: e.data }; }
    log(id, name, d);
    switch (name) {
      case 'accepted':
        cur.cache = d.cache || null;
        setBadge(d.cache);
        setFacts(d);
        if (d.id && !cur.id) { cur.id = d.id; ui.genId.textContent = d.id; ui.genIdWrap.hidden = false; }
        if (Number.isInteger(d.sampleCount)) ensureSlots(d.sampleCount);
        setStatus('streaming', (cur.replay ? 'Replaying · ' : 'Accepted · ') + (d.model || '') + (d.servedBy ? ' (served by ' + d.servedBy + ')' : '')
          + ' · cache ' + (d.cache || '?') + (d.deterministic ? ' · seeded' : ''));
        break;
      case 'attempt':
        setStatus('streaming', 'Calling upstream · attempt ' + d.attempt + (d.location ? ' · ' + d.location : '') + '…');
        break;
      case 'retry':
        setStatus('streaming', 'Attempt ' + d.attempt + ' failed (' + (d.status ?? '?') + (d.reason ? ', ' + d.reason : '') + '); retrying in ' + fmtMs(d.delayMs || 0) + '…');
        break;
      case 'text': appendText(d); break;
      case 'preview': renderPreview(d); break;
      case 'image':
        renderImage(d);
        setStatus('streaming', plural(cur.final.size, 'image') + ' received…');
        break;
      case 'filtered': renderFiltered(d); break;
      case 'done': {
        finish(cur);
        if (d.cache) { cur.cache = d.cache; setBadge(d.cache); }
        markMissing('No image returned');
        renderSummary(d);
        setStatus('done', 'Done · ' + plural(d.images ?? cur.final.size, 'image') + (d.filtered ? ' · ' + d.filtered + ' filtered' : '')
          + ' · cache ' + (d.cache || cur.cache || '?') + (d.totalMs != null ? ' · ' + fmtMs(d.totalMs) + ' on the gateway' : ''));
        historyUpdate(cur.id, { status: 'succeeded', cache: cur.cache, thumb: cur.thumb });
        break;
      }
      case 'error': {
        finish(cur);
        markMissing('Failed');
        let msg = (d.title || 'Generation failed') + (d.status ? ' (' + d.status + ')' : '') + (d.detail ? ': ' + d.detail : '');
        if (d.vertexStatus) msg += ' · upstream ' + d.vertexStatus;
        if (d.retryable != null) msg += d.retryable ? ' · retryable' : ' · not retryable';
        setStatus('error', msg);
        offerRetry(Number(d.retryAfterMs) || 0);
        historyUpdate(cur.id, { status: 'failed', cache: cur.cache });
        break;
      }
    }
  }
  // Exactly one terminal event: close the EventSource, or it reconnects and replays.
  function finish(cur) {
    cur.done = true;
    cur.end = performance.now();
    if (cur.es) { cur.es.close(); cur.es = null; }
    clearInterval(cur.ticker); cur.ticker = null;
    updateTiming();
    busy(false);
    ui.again.disabled = !(lastBody && lastBody.seed != null);
  }
  function busy(on) {
    ui.submit.disabled = on;
    ui.submit.textContent = on ? 'Generating…' : 'Generate';
  }

  // --- submit ------------------------------------------------------------------------------------
  async function submit(body) {
    clearProblems();
    lastBody = body;
    const cur = newRun(body.prompt, false, body.aspectRatio);
    busy(true);
    ui.again.disabled = true;
    setStatus('submitting', 'Submitting…');
    ui.status.focus();
    log('', 'POST /v1/generations', body, 'http');
    const extra = { 'Content-Type': 'application/json' };
    const fault = ui.fault.value.trim();
    if (fault) extra['X-Simulator-Fault'] = fault;
    let res, data;
    try {
      res = await fetch('/v1/generations', { method: 'POST', headers: headers(extra), body: JSON.stringify(body) });
      data = await readJson(res);
    } catch (err) {
      if (run !== cur) return;
      finish(cur);
      log('', 'network error', err.message, 'conn');
      setStatus('error', 'Network error: ' + err.message);
      offerRetry(0);
      return;
    }
    if (run !== cur) return;
    busy(false); // the job runs on the gateway: the stream is only a view of it
    if (!res.ok) {
      finish(cur);
      log('', String(res.status), data, 'http-err');
      const p = Object.assign({ title: 'HTTP ' + res.status }, data || {});
      const first = showProblem(p, res.status);
      const fields = $$('.ferr', form).length;
      setStatus('error', 'Rejected (' + res.status + '): ' + (p.title || 'request failed')
        + (fields ? ' · ' + plural(fields, 'field') + ' to fix' : p.detail ? ' · ' + p.detail : ''));
      if (res.status === 429 || res.status >= 500 || p.retryable) {
        const after = Number(p.retryAfterMs) || Number(res.headers.get('Retry-After')) * 1000 || 0;
        offerRetry(after);
      }
      if (first) first.focus();
      return;
    }
    log('', String(res.status), data, 'http-ok');
    cur.id = data && data.id;
    if (cur.id) { ui.genId.textContent = cur.id; ui.genIdWrap.hidden = false; }
    setBadge(data && data.cache);
    cur.cache = data && data.cache;
    historyAdd({ id: cur.id, model: body.model, prompt: body.prompt, time: Date.now(), cache: cur.cache, status: 'running',
      seed: body.seed ?? null, body: Object.assign({}, body, { images: undefined }), hadImages: !!body.images });
    if (!data || !data.events) { finish(cur); setStatus('error', 'The gateway did not say where the events are.'); return; }
    openStream(cur, data.events);
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearProblems();
    if (!form.reportValidity()) return;
    submit(buildBody());
  });
  // The browser's own validation blocks a submit before the submit event: clear stale server errors then too.
  form.addEventListener('invalid', () => clearProblems(), true);
  ui.submit.addEventListener('click', () => clearProblems());
  // Changing a field clears its errors.
  const clearOwn = (e) => {
    if (e.target === ui.images) return; // reading the files reports their own errors
    const wrap = e.target.closest && e.target.closest('[data-field]');
    if (wrap && $('.ferr', wrap)) clearFieldErrors(wrap);
    if (ui.problem.hidden === false && !$('.ferr', form) && ui.problem.dataset.fieldsOnly) ui.problem.hidden = true;
  };
  form.addEventListener('input', clearOwn);
  form.addEventListener('change', clearOwn);

  ui.again.addEventListener('click', () => { if (lastBody && lastBody.seed != null) submit(lastBody); });
  ui.retry.addEventListener('click', () => { if (lastBody) submit(lastBody); });

  // --- history -----------------------------------------------------------------------------------
  function historyLoad() {
    try { const h = JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]'); return Array.isArray(h) ? h : []; } catch { return []; }
  }
  function historySave(list) {
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX))); } catch { /* storage full or off */ }
    renderHistory();
  }
  function historyAdd(entry) {
    if (!entry.id) return;
    historySave([entry, ...historyLoad().filter((e) => e.id !== entry.id)]);
  }
  function historyUpdate(id, patch) {
    if (!id) return;
    const list = historyLoad();
    const e = list.find((x) => x.id === id);
    if (!e) return;
    for (const [k, v] of Object.entries(patch)) if (v != null) e[k] = v;
    historySave(list);
  }
  function renderHistory() {
    ui.history.textContent = '';
    for (const h of historyLoad()) {
      const li = el('li');
      li.dataset.id = h.id;
      if (h.gone) li.classList.add('gone');
      let thumb;
      if (h.thumb && !h.gone) {
        thumb = el('img', 'thumb'); thumb.src = withKey(h.thumb); thumb.alt = ''; thumb.loading = 'lazy';
        thumb.addEventListener('error', () => thumb.replaceWith(el('span', 'thumb')), { once: true });
      } else thumb = el('span', 'thumb');
      const text = el('div');
      const p = el('p', 'hp', h.prompt || '(no prompt)'); p.title = h.prompt || '';
      const meta = el('p', 'hm');
      meta.append(el('span', null, new Date(h.time).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })),
        el('span', 'mono', h.model || ''));
      if (h.cache) meta.append(el('span', 'badge ' + h.cache, h.cache));
      meta.append(el('span', null, h.gone ? 'gone from the gateway' : h.status || ''));
      if (h.seed != null) meta.append(el('span', 'mono', 'seed ' + h.seed));
      text.append(p, meta);
      const buttons = el('div', 'hb');
      const open = el('button', null, 'Open'); open.type = 'button';
      open.setAttribute('aria-label', 'Open generation ' + h.id + ': ' + (h.prompt || ''));
      open.addEventListener('click', () => reopen(h));
      buttons.append(open);
      if (h.body) {
        const again = el('button', 'ghost', h.seed != null ? 'Same seed' : 'Run again'); again.type = 'button';
        again.setAttribute('aria-label', (h.seed != null ? 'Submit again with seed ' + h.seed : 'Submit again') + ': ' + (h.prompt || ''));
        again.title = h.hadImages ? 'Reference images are not kept in the history and are not sent again' : '';
        again.addEventListener('click', () => submit(h.body));
        buttons.append(again);
      }
      li.append(thumb, text, buttons);
      ui.history.append(li);
    }
  }
  async function reopen(h) {
    clearProblems();
    const cur = newRun(h.prompt, true, h.body && h.body.aspectRatio);
    cur.id = h.id;
    ui.genId.textContent = h.id; ui.genIdWrap.hidden = false;
    ui.again.disabled = !(h.body && h.body.seed != null);
    if (h.body) lastBody = h.body;
    setStatus('connecting', 'Looking up ' + h.id + '…');
    ui.status.focus();
    let res, data;
    try {
      res = await fetch('/v1/generations/' + encodeURIComponent(h.id), { headers: headers() });
      data = await readJson(res);
    } catch (err) {
      if (run === cur) { finish(cur); setStatus('error', 'Network error: ' + err.message); }
      return;
    }
    if (run !== cur) return;
    if (res.status === 404) {
      finish(cur);
      log('', '404', data, 'http-err');
      setStatus('error', 'The gateway no longer has generation ' + h.id + ': finished jobs are kept for a limited time, and not across restarts.');
      historyUpdate(h.id, { gone: true });
      ui.historyNote.textContent = h.id + ' is gone from the gateway.';
      return;
    }
    if (!res.ok) {
      finish(cur);
      log('', String(res.status), data, 'http-err');
      setStatus('error', 'Could not look up ' + h.id + ' (' + res.status + ').');
      return;
    }
    log('', 'GET status', data, 'http-ok');
    historyUpdate(h.id, { status: data.status, cache: data.cache });
    openStream(cur, data.events || '/v1/generations/' + encodeURIComponent(h.id) + '/events');
  }
  $('#history-clear').addEventListener('click', () => { historySave([]); ui.historyNote.textContent = 'History cleared.'; });

  // --- wiring ------------------------------------------------------------------------------------
  ui.model.addEventListener('change', applyModel);
  ui.seed.addEventListener('input', syncSeed);
  ui.mime.addEventListener('change', syncMime);
  ui.cq.addEventListener('input', () => { ui.cqOut.textContent = ui.cq.value; });
  ui.prompt.addEventListener('input', syncCount);
  ui.prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); ui.submit.click(); }
  });
  $('#seed-random').addEventListener('click', () => {
    const r = new Uint32Array(1);
    crypto.getRandomValues(r);
    ui.seed.value = String((r[0] % 2147483647) + 1);
    ui.seed.dispatchEvent(new Event('input', { bubbles: true }));
  });
  ui.images.addEventListener('change', () => addImages(Array.from(ui.images.files || [])));
  try { ui.apiKey.value = sessionStorage.getItem('imagen-studio.key') || ''; } catch { /* storage off */ }
  ui.apiKey.addEventListener('change', () => {
    try { sessionStorage.setItem('imagen-studio.key', apiKey()); } catch { /* storage off */ }
    renderHistory();
  });
  window.addEventListener('storage', (e) => { if (e.key === HISTORY_KEY) renderHistory(); });

  // For tests and the console: read-only views of what is on screen.
  window.studio = Object.freeze({
    get models() { return catalog; },
    get lastEventId() { return run ? run.lastId : null; },
    get state() { return ui.status.dataset.state; }
  });

  syncCount();
  renderImages();
  renderHistory();
  loadModels().then(() => { document.documentElement.dataset.ready = 'true'; });
})();
