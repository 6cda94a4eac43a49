// The Laporan page (owners and admins): tickets per day, times per staff and group, the backlog.

import { $, state } from './state.js';
import { t } from './i18n.js';
import { SESSION_ENDED, api } from './api.js';
import { isAway } from './online.js';
import { element, field, shortDay, showBanner, showView, span } from './ui.js';
import { handleFailure } from './login.js';
import { load } from './board.js';

const SVG = 'http://www.w3.org/2000/svg';

export function wireReport() {
  $('report-tab').addEventListener('click', () => {
    if (state.view === 'reports') { showView('board'); load(); } else openReport();
  });
  $('report-back').addEventListener('click', () => { showView('board'); load(); });
  $('report-group').addEventListener('change', () => {
    state.reportGroup = $('report-group').value;
    loadReport();
  });
}

async function openReport() {
  // While the server is away the page would open empty or stale: it does not open.
  if (isAway()) return;
  if (!state.user?.sees_reports) return;
  showView('reports');
  renderReport();
  await loadReport();
}

export async function loadReport() {
  const request = (state.reportSeq = (state.reportSeq || 0) + 1);
  showReportMessage('hint', t('report_loading'));
  const query = state.reportGroup ? `?group=${encodeURIComponent(state.reportGroup)}` : '';
  try {
    const report = await api(`/reports${query}`);
    if (request !== state.reportSeq) return;
    state.report = report;
    showReportMessage('hint', '');
    renderReport();
  } catch (failure) {
    if (request !== state.reportSeq) return;
    if (failure.code === 'not_found' && !state.reportGroup) {
      // No longer an owner or admin: for them the page does not exist.
      state.user.sees_reports = false;
      $('report-tab').hidden = true;
      showView('board');
      showBanner(t('report_gone'));
      return;
    }
    if (failure.code === 'not_found') {
      // The group is gone: back to all groups.
      state.reportGroup = '';
      loadReport();
      return;
    }
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    showReportMessage('error', failure.message);
  }
}

function showReportMessage(kind, text) {
  const message = $('report-message');
  message.hidden = !text;
  message.textContent = text;
  message.className = kind === 'error' ? 'error' : 'hint';
}

export function renderReport() {
  const report = state.report;
  renderReportGroups(report?.groups ?? []);
  if (!report) return;
  $('report-days-title').textContent = t('report_days', { n: report.per_day.length, zone: report.zone });
  drawChart();
  renderReportMet(report);
  const timesHead = [t('report_pickup_median'), t('report_pickup_p90'), t('report_close_median'), t('report_close_p90'), t('report_count')];
  reportTable($('report-staff'), [t('report_name'), ...timesHead],
    report.staff.map((s) => [s.name, ...timesCells(s)]), t('report_no_times'));
  reportTable($('report-groups'), [t('report_group_col'), ...timesHead],
    report.group_times.map((g) => [g.title, ...timesCells(g)]), t('report_no_times'));
  reportTable($('report-backlog'), [t('report_age'), t('report_waiting_pickup'), t('report_waiting_close')],
    report.backlog.map((b) => [t(`age_${b.age}`), String(b.order), String(b.pickup)]));
  $('report-precision').textContent = t('report_precision', { p: report.precision_percent });
}

function renderReportGroups(groups) {
  const select = $('report-group');
  const all = element('option', '', t('all_groups'));
  all.value = '';
  select.replaceChildren(all, ...groups.map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  }));
  select.value = state.reportGroup;
}

/// Median, p90 of Pickup and Close, and how many steps, as table cells.
function timesCells(row) {
  const time = (ms) => (ms === null || ms === undefined ? '–' : span(ms));
  return [time(row.pickup.median_ms), time(row.pickup.p90_ms), time(row.close.median_ms),
    time(row.close.p90_ms), `${row.pickup.count} / ${row.close.count}`];
}

function reportTable(table, head, rows, empty) {
  const headRow = element('tr');
  headRow.append(...head.map((text) => element('th', '', text)));
  const thead = element('thead');
  thead.append(headRow);
  const tbody = element('tbody');
  for (const cells of rows) {
    const row = element('tr');
    row.append(...cells.map((text) => element('td', '', text)));
    tbody.append(row);
  }
  if (!rows.length && empty) {
    const row = element('tr', 'empty');
    const cell = element('td', '', empty);
    cell.colSpan = head.length;
    row.append(cell);
    tbody.append(row);
  }
  table.replaceChildren(thead, tbody);
}

function renderReportMet(report) {
  const list = $('report-met');
  list.replaceChildren();
  for (const [label, met] of [[t('report_met_pickup'), report.pickup_met], [t('report_met_close'), report.close_met]]) {
    const total = met.met + met.missed;
    const value = met.share === null
      ? t('report_met_none')
      : t('report_met_value', { share: Math.round(met.share * 100), met: met.met, total });
    field(list, label, value);
  }
}

function svgNode(tag, attributes, className) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (className) node.setAttribute('class', className);
  return node;
}

/// The chart, drawn again whenever its box changes width (a phone turned, a window
/// resized): it is drawn in the box's own pixels, so its text stays the size app.css
/// gives it instead of growing with the screen (36 px on a desktop when it was scaled).
function drawChart() {
  const box = $('report-chart');
  if (!state.report) return;
  const width = Math.max(240, Math.round(box.clientWidth));
  box.dataset.width = String(width);
  box.replaceChildren(reportChart(state.report.per_day, width));
}

const chartResized = new ResizeObserver(() => {
  const box = $('report-chart');
  if (box.clientWidth && String(Math.max(240, Math.round(box.clientWidth))) !== box.dataset.width) drawChart();
});

/// New tickets per day as bars over `width` pixels, today last; the colours are the
/// theme's (app.css).
function reportChart(days, width) {
  chartResized.observe($('report-chart'));
  const barWidth = width / days.length;
  const height = 140;
  const top = 18;
  const bottom = 22;
  const most = Math.max(1, ...days.map((d) => d.new));
  const svg = svgNode('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': t('report_chart_label') });
  svg.append(svgNode('line', { x1: 0, y1: height - bottom, x2: width, y2: height - bottom }, 'axis'));
  days.forEach((day, i) => {
    const tall = ((height - top - bottom) * day.new) / most;
    const bar = svgNode('rect', {
      x: i * barWidth + 1, y: height - bottom - tall, width: Math.max(1, barWidth - 2), height: tall, rx: 1.5,
    }, i === days.length - 1 ? 'bar today' : 'bar');
    bar.dataset.day = day.day;
    bar.dataset.new = String(day.new);
    const title = svgNode('title', {});
    title.textContent = t('report_new_on', { day: shortDay(day.day), n: day.new });
    bar.append(title);
    svg.append(bar);
  });
  // The first, middle and last day named under the bars; the most, above.
  for (const i of new Set([0, Math.floor(days.length / 2), days.length - 1])) {
    const label = svgNode('text', {
      x: i * barWidth + barWidth / 2, y: height - 5, 'text-anchor': i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle',
    });
    label.textContent = shortDay(days[i].day);
    svg.append(label);
  }
  const peak = svgNode('text', { x: 0, y: 12 }, 'peak');
  peak.textContent = String(most === 1 && days.every((d) => d.new === 0) ? 0 : most);
  svg.append(peak);
  return svg;
}
