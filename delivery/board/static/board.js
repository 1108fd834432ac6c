// liqwatch web board: follows /events (Server-Sent Events) for spikes and alerts, draws
// liquidations per minute from /api/chart on a canvas, and filters the feed in the page.
"use strict";

const SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const MINUTE = 60000;
const HOUR = 60 * MINUTE;
const MAX_CARDS = 500;

const board = { spikes: new Map(), alerts: new Map(), sectors: {}, cards: new Map() };
const filters = { asset: "", sector: "", side: "", severity: "" };
const view = { hours: 168, end: null, focusAssets: null, data: null, hits: [] };

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- formatting

function usd(x) {
  for (const [unit, div] of [["B", 1e9], ["M", 1e6], ["k", 1e3]]) {
    if (Math.abs(x) >= div) return `$${(x / div).toFixed(1)}${unit}`;
  }
  return `$${Math.round(x)}`;
}

// Axis labels: "$500k", "$1.5M" (no trailing ".0").
function usdTick(x) {
  for (const [unit, div] of [["B", 1e9], ["M", 1e6], ["k", 1e3]]) {
    if (Math.abs(x) >= div) return `$${+(x / div).toFixed(1)}${unit}`;
  }
  return `$${Math.round(x)}`;
}

function utc(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function scopeLabel(spike) {
  if (spike.scope === "sector") return `${spike.key.toUpperCase()} tokens`;
  if (spike.scope === "market") return "Market-wide";
  return spike.key;
}

// The alert's title names its story: "… likely trigger: '<headline>' 39 min earlier, …"
// or "Coverage: '<headline>' reports …".
function storyHeadline(alert) {
  const m = alert.title.match(/^Coverage: '(.+)' reports /) ||
    alert.title.match(/likely trigger: '(.+)' -?[\d.]+ (?:min|h) (?:earlier|after onset)/);
  return m ? m[1] : null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- state

function keepLatest(map, key, record) {
  const held = map.get(key);
  if (held && (held.version || 1) > (record.version || 1)) return false;
  map.set(key, record);
  return true;
}

function assetsOf(alert) {
  const spike = board.spikes.get(alert.spike_id);
  if (alert.assets && alert.assets.length) return alert.assets;
  return spike ? spike.assets : [];
}

function matches(alert) {
  const spike = board.spikes.get(alert.spike_id);
  const assets = assetsOf(alert);
  if (filters.asset && !assets.includes(filters.asset)) return false;
  if (filters.sector) {
    const members = board.sectors[filters.sector] || [];
    const ofSector = (spike && spike.scope === "sector" && spike.key === filters.sector) ||
      assets.some((a) => members.includes(a));
    if (!ofSector) return false;
  }
  if (filters.side) {
    const side = spike ? spike.liquidated_side : null;
    if (side !== filters.side && side !== "both") return false;
  }
  if (filters.severity && (SEVERITY_RANK[alert.severity] ?? 0) < SEVERITY_RANK[filters.severity]) {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- alert feed

function renderCard(alert) {
  const spike = board.spikes.get(alert.spike_id);
  const li = el("li", `alert sev-${alert.severity} rel-${alert.relation}`);
  li.dataset.alertId = alert.alert_id;
  li.dataset.severity = alert.severity;
  li.dataset.relation = alert.relation;
  li.dataset.assets = assetsOf(alert).join(",");

  const meta = el("div", "meta");
  meta.append(el("span", `badge sev-${alert.severity}`, alert.severity),
    el("span", `badge rel-${alert.relation}`, alert.relation),
    el("time", "", `${utc(alert.created_at)} UTC`));
  li.append(meta);

  const what = el("div", "what");
  if (spike) {
    li.dataset.scope = spike.scope;
    li.dataset.key = spike.key;
    li.dataset.side = spike.liquidated_side;
    what.append(el("strong", "scope", scopeLabel(spike)), " ",
      el("span", `side ${spike.liquidated_side}`, `${spike.liquidated_side}s liquidated`), " ",
      el("span", "size", usd(spike.notional_usd)), " ",
      el("span", "ratio", `${spike.ratio.toFixed(1)}× normal`), " ",
      el("span", "status", `· ${spike.status}`));
    if (spike.scope === "market") what.title = spike.assets.join(", ");
  } else {
    what.textContent = assetsOf(alert).join(", ") || "spike details pending";
  }
  li.append(what);

  const story = el("div", "story");
  const headline = storyHeadline(alert);
  if (alert.relation === "trigger" && headline) {
    story.append("Likely trigger: ", el("q", "", headline));
  } else if (alert.relation === "coverage" && headline) {
    story.append("Coverage: ", el("q", "", headline));
  } else {
    story.textContent = alert.title;
  }
  li.append(story);

  const details = el("details");
  details.append(el("summary", "", "why"), el("p", "", alert.body));
  li.append(details);

  li.addEventListener("click", (event) => {
    if (event.target.closest("details")) return;
    focusChart(alert);
  });
  li.hidden = !matches(alert);
  return li;
}

function upsertCard(alert, fresh) {
  const card = renderCard(alert);
  if (fresh) card.classList.add("fresh");
  const old = board.cards.get(alert.alert_id);
  if (old) {
    card.querySelector("details").open = old.querySelector("details").open;
    old.replaceWith(card);
  }
  board.cards.set(alert.alert_id, card);
}

function orderCards() {
  const list = $("alerts");
  const sorted = [...board.alerts.values()].sort((a, b) =>
    b.created_at - a.created_at || (a.alert_id < b.alert_id ? -1 : 1));
  for (const dropped of sorted.slice(MAX_CARDS)) {
    board.alerts.delete(dropped.alert_id);
    board.cards.get(dropped.alert_id)?.remove();
    board.cards.delete(dropped.alert_id);
  }
  sorted.slice(0, MAX_CARDS).forEach((alert) => list.append(board.cards.get(alert.alert_id)));
  updateCounts();
}

function applyFilters() {
  for (const [id, card] of board.cards) card.hidden = !matches(board.alerts.get(id));
  updateCounts();
  view.focusAssets = null;
  view.end = null;
  scheduleChart(0);
}

function updateCounts() {
  const shown = [...board.cards.values()].filter((c) => !c.hidden).length;
  const open = [...board.spikes.values()].filter((s) => s.status !== "resolved").length;
  $("shown").textContent = `${shown} of ${board.alerts.size} shown`;
  $("counts").textContent = `${board.spikes.size} spikes (${open} open) · ${board.alerts.size} alerts`;
  $("empty").hidden = board.alerts.size > 0;
}

function fillAssetOptions(assets) {
  const select = $("f-asset");
  const known = new Set([...select.options].map((o) => o.value));
  for (const asset of assets) {
    if (!known.has(asset)) {
      select.append(new Option(asset, asset));
      known.add(asset);
    }
  }
}

function fillSectorOptions() {
  const select = $("f-sector");
  for (const name of Object.keys(board.sectors)) {
    if (![...select.options].some((o) => o.value === name)) {
      select.append(new Option(`${name.toUpperCase()} tokens`, name));
    }
  }
}

// ---------------------------------------------------------------- live updates

function onSpike(spike, fresh) {
  if (!keepLatest(board.spikes, spike.spike_id, spike)) return;
  fillAssetOptions(spike.assets);
  for (const alert of board.alerts.values()) {
    if (alert.spike_id === spike.spike_id) upsertCard(alert, fresh);
  }
}

function onAlert(alert, fresh) {
  if (!keepLatest(board.alerts, alert.alert_id, alert)) return;
  fillAssetOptions(assetsOf(alert));
  upsertCard(alert, fresh);
}

function connect() {
  const source = new EventSource("/events");
  const status = $("status");
  source.onopen = () => { status.className = "status live"; status.textContent = "live"; };
  source.onerror = () => { status.className = "status reconnecting"; status.textContent = "reconnecting…"; };
  source.addEventListener("snapshot", (event) => {
    const snap = JSON.parse(event.data);
    board.spikes.clear();
    board.alerts.clear();
    board.cards.forEach((card) => card.remove());
    board.cards.clear();
    board.sectors = snap.sectors || {};
    fillSectorOptions();
    snap.spikes.forEach((s) => onSpike(s, false));
    snap.alerts.forEach((a) => onAlert(a, false));
    orderCards();
    scheduleChart(0);
  });
  source.addEventListener("spike", (event) => {
    onSpike(JSON.parse(event.data), true);
    updateCounts();
    scheduleChart(2000);
  });
  source.addEventListener("alert", (event) => {
    onAlert(JSON.parse(event.data), true);
    orderCards();
    scheduleChart(2000);
  });
}

// ---------------------------------------------------------------- chart data

function chartAssets() {
  if (view.focusAssets) return view.focusAssets;
  if (filters.asset) return [filters.asset];
  if (filters.sector) return board.sectors[filters.sector] || [];
  return [];
}

function focusChart(alert) {
  const spike = board.spikes.get(alert.spike_id);
  if (!spike) return;
  const until = spike.end_ts ?? Math.max(spike.peak_ts, spike.detected_at);
  const span = Math.max(2 * HOUR, 3 * (until - spike.onset_ts));
  const choices = [...$("c-hours").options].map((o) => Number(o.value));
  view.hours = choices.find((h) => h * HOUR >= span) ?? choices[choices.length - 1];
  $("c-hours").value = String(view.hours);
  view.end = Math.round((spike.onset_ts + until) / 2 + (view.hours * HOUR) / 2);
  view.focusAssets = spike.scope === "market" ? [] : spike.assets;
  scheduleChart(0);
}

let chartTimer = null;
let chartLoading = false;

function scheduleChart(delayMs) {
  if (chartTimer !== null && delayMs > 0) return;
  clearTimeout(chartTimer);
  chartTimer = setTimeout(loadChart, delayMs);
}

async function loadChart() {
  chartTimer = null;
  if (chartLoading) { scheduleChart(500); return; }
  chartLoading = true;
  const assets = chartAssets();
  const params = new URLSearchParams({ hours: String(view.hours) });
  if (assets.length) params.set("assets", assets.join(","));
  if (view.end) params.set("end", String(view.end));
  $("chart-title").textContent =
    `Liquidations per minute (USD) · ${assets.length ? assets.join(", ") : "all assets"}`;
  $("c-latest").hidden = view.end === null;
  try {
    const resp = await fetch(`/api/chart?${params}`);
    const data = await resp.json();
    if (!resp.ok) throw new Error(data.error || resp.statusText);
    view.data = data;
    $("chart-note").textContent = data.bucket_minutes > 1
      ? `· bars of ${data.bucket_minutes} min, shown per minute` : "";
  } catch (err) {
    view.data = { empty: true, error: String(err.message || err) };
  } finally {
    chartLoading = false;
  }
  drawChart();
}

async function loadAssets() {
  try {
    const resp = await fetch("/api/assets");
    if (resp.ok) fillAssetOptions((await resp.json()).assets.map((a) => a.asset));
  } catch (err) {
    console.warn("assets:", err);
  }
}

// ---------------------------------------------------------------- chart drawing

const PAD = { left: 56, right: 12, bottom: 30 };
const NEWS_TOP = 2;          // news triangles: y 2..10
const LANES_TOP = 16;        // spike lanes below them, one row per overlapping spike
const LANE_H = 4;
const LANE_GAP = 2;
const MAX_LANES = 6;
const TIME_STEPS = [5, 15, 30, 60, 120, 180, 360, 720, 1440, 2880].map((m) => m * MINUTE);

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function niceMax(value) {
  if (value <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * base).find((v) => v >= value);
}

function spikeUntil(spike) {
  return spike.end_ts ?? Math.max(spike.peak_ts, spike.detected_at);
}

// Each spike gets the first lane free at its onset (spikes come sorted by onset).
function assignLanes(spikes) {
  const laneEnds = [];
  return spikes.map((spike) => {
    let lane = laneEnds.findIndex((end) => end < spike.onset_ts);
    if (lane < 0) lane = Math.min(laneEnds.length, MAX_LANES - 1);
    laneEnds[lane] = Math.max(laneEnds[lane] ?? 0, spikeUntil(spike));
    return lane;
  });
}

function sideColor(side, alpha) {
  return side === "short" ? `rgba(63,185,80,${alpha})` : `rgba(229,83,75,${alpha})`;
}

function drawChart() {
  const canvas = $("chart");
  const ctx = canvas.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  view.hits = [];

  const data = view.data;
  if (!data || data.empty) {
    ctx.fillStyle = cssVar("--muted");
    ctx.fillText(data && data.error ? `chart unavailable: ${data.error}` : "No liquidations stored yet.",
      PAD.left, height / 2);
    return;
  }
  const lanes = assignLanes(data.spikes);
  const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
  const plotTop = LANES_TOP + laneCount * (LANE_H + LANE_GAP) + 4;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - plotTop - PAD.bottom;
  const x = (t) => PAD.left + ((t - data.start) / (data.end - data.start)) * plotW;
  const n = data.long_usd.length;
  const top = niceMax(Math.max(0, ...data.long_usd.map((v, i) => v + data.short_usd[i])));
  const y = (v) => plotTop + plotH - (v / top) * plotH;

  // spikes: a bar in their lane from onset to end (or latest update while open), and a
  // faint band over the plot, tinted by side
  data.spikes.forEach((spike, i) => {
    const x0 = x(Math.max(spike.onset_ts, data.start));
    const x1 = Math.max(x0 + 2, x(Math.min(spikeUntil(spike), data.end)));
    ctx.fillStyle = sideColor(spike.liquidated_side, 0.05);
    ctx.fillRect(x0, plotTop, x1 - x0, plotH);
    ctx.fillStyle = sideColor(spike.liquidated_side, spike.status === "resolved" ? 0.6 : 0.95);
    ctx.fillRect(x0, LANES_TOP + lanes[i] * (LANE_H + LANE_GAP), x1 - x0, LANE_H);
    view.hits.push({ x0, x1, kind: "spike", text:
      `${scopeLabel(spike)} ${spike.liquidated_side}s liquidated ${usd(spike.notional_usd)}, ` +
      `${spike.ratio.toFixed(1)}× normal (${spike.severity}, ${spike.status})\n` +
      `${utc(spike.onset_ts)} → ${spike.end_ts ? utc(spike.end_ts) : "open"} UTC` });
  });

  // stacked bars: longs liquidated at the bottom, shorts above
  const barW = Math.max(1, plotW / n - (plotW / n > 3 ? 1 : 0));
  for (let i = 0; i < n; i++) {
    const left = PAD.left + (i / n) * plotW;
    const long = data.long_usd[i];
    const short = data.short_usd[i];
    if (long > 0) {
      ctx.fillStyle = cssVar("--long");
      ctx.fillRect(left, y(long), barW, y(0) - y(long));
    }
    if (short > 0) {
      ctx.fillStyle = cssVar("--short");
      ctx.fillRect(left, y(long + short), barW, y(long) - y(long + short));
    }
  }

  // news markers: a line and a triangle at the top
  for (const story of data.news) {
    const px = x(story.published_at);
    const color = story.kind === "coverage" ? cssVar("--coverage") : cssVar("--news");
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(px, NEWS_TOP + 8);
    ctx.lineTo(px, plotTop + plotH);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(px - 5, NEWS_TOP);
    ctx.lineTo(px + 5, NEWS_TOP);
    ctx.lineTo(px, NEWS_TOP + 8);
    ctx.fill();
    view.hits.push({ x0: px - 5, x1: px + 5, kind: "news", text:
      `${story.title}\n${story.source} · ${utc(story.published_at)} UTC · ${story.kind}, ` +
      `AI relevance ${story.ai_score.toFixed(2)}` });
  }

  drawAxes(ctx, data, x, y, top, plotTop, plotW, plotH);
}

function drawAxes(ctx, data, x, y, top, plotTop, plotW, plotH) {
  ctx.strokeStyle = cssVar("--line");
  ctx.fillStyle = cssVar("--muted");
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y(v));
    ctx.lineTo(PAD.left + plotW, y(v));
    ctx.stroke();
    ctx.fillText(usdTick(v), PAD.left - 6, y(v));
  }
  const span = data.end - data.start;
  const step = TIME_STEPS.find((s) => span / s <= 8) ?? TIME_STEPS[TIME_STEPS.length - 1];
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let t = Math.ceil(data.start / step) * step; t < data.end; t += step) {
    const label = step >= 6 * HOUR || t % (24 * HOUR) === 0 ? utc(t).slice(5) : utc(t).slice(11);
    ctx.fillText(label, x(t), plotTop + plotH + 6);
  }
}

function onChartHover(event) {
  const tip = $("tooltip");
  const data = view.data;
  if (!data || data.empty) { tip.hidden = true; return; }
  const rect = $("chart").getBoundingClientRect();
  const px = event.clientX - rect.left;
  const plotW = rect.width - PAD.left - PAD.right;
  const frac = (px - PAD.left) / plotW;
  if (frac < 0 || frac > 1) { tip.hidden = true; return; }
  const n = data.long_usd.length;
  const i = Math.min(n - 1, Math.floor(frac * n));
  const t = data.start + i * data.bucket_minutes * MINUTE;
  const lines = [`${utc(t)} UTC`,
    `longs ${usd(data.long_usd[i])}/min · shorts ${usd(data.short_usd[i])}/min`];
  const near = view.hits.filter((h) => px >= h.x0 - 2 && px <= h.x1 + 2);
  near.sort((a, b) => (a.kind === "news" ? -1 : 1) - (b.kind === "news" ? -1 : 1));
  for (const hit of near.slice(0, 3)) lines.push(hit.text);
  tip.textContent = lines.join("\n");
  tip.hidden = false;
  tip.style.left = `${Math.min(px + 12, rect.width - 370)}px`;
  tip.style.top = `${event.clientY - rect.top + 12}px`;
}

// ---------------------------------------------------------------- wiring

function init() {
  for (const name of Object.keys(filters)) {
    $(`f-${name}`).addEventListener("change", (event) => {
      filters[name] = event.target.value;
      applyFilters();
    });
  }
  $("c-hours").addEventListener("change", (event) => {
    view.hours = Number(event.target.value);
    scheduleChart(0);
  });
  $("c-latest").addEventListener("click", () => {
    view.end = null;
    view.focusAssets = null;
    scheduleChart(0);
  });
  $("chart").addEventListener("mousemove", onChartHover);
  $("chart").addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  window.addEventListener("resize", drawChart);
  setInterval(() => { if (view.end === null) scheduleChart(0); }, 5000);
  loadAssets();
  connect();
  drawChart();
}

init();
