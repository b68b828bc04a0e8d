/* Counts page: Chart.js (npm, served by the assistant) and a table with the same numbers. */
(function () {
  "use strict";
  var form = document.getElementById("range");
  var status = document.getElementById("counts-status");
  var table = document.getElementById("table");
  var charts = {};

  function draw(id, config) {
    if (charts[id]) { charts[id].destroy(); }
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[id] = new window.Chart(document.getElementById(id), config);
  }
  function cell(tag, text) { var c = document.createElement(tag); c.textContent = text; return c; }
  function render(data) {
    var labels = data.series.map(function (s) { return s.period; });
    function col(key) { return data.series.map(function (s) { return s[key]; }); }
    draw("chart-volume", { type: "bar", data: { labels: labels, datasets: [
      { label: "Conversations", data: col("conversations"), backgroundColor: "#1d5c63" },
      { label: "Questions", data: col("questions"), backgroundColor: "#8fb8bd" }] } });
    draw("chart-events", { type: "line", data: { labels: labels, datasets: [
      { label: "Fallback rate (%)", data: data.series.map(function (s) { return s.fallback_rate === null ? null : Math.round(s.fallback_rate * 100); }), borderColor: "#8a5a00" },
      { label: "Hand-off requests", data: col("handoffs"), borderColor: "#1d5c63" },
      { label: "Crisis messages", data: col("crisis"), borderColor: "#b42318" },
      { label: "Median wait for a person (s)", data: col("median_wait_seconds"), borderColor: "#52606d" }] } });
    draw("chart-topics", { type: "bar", options: { indexAxis: "y" }, data: {
      labels: data.topics.map(function (t) { return t.topic; }),
      datasets: [{ label: "Questions per topic", data: data.topics.map(function (t) { return t.questions; }), backgroundColor: "#1d5c63" }] } });
    while (table.rows.length) { table.deleteRow(0); }
    var head = table.createTHead().insertRow();
    ["Period", "Conversations", "Questions", "Fallback rate", "Hand-offs", "Crisis", "Take-overs", "Median wait (s)"].forEach(function (h) {
      var th = cell("th", h); th.scope = "col"; head.appendChild(th);
    });
    var body = table.tBodies[0] || table.createTBody();
    data.series.forEach(function (s) {
      var row = body.insertRow();
      var th = cell("th", s.period); th.scope = "row"; row.appendChild(th);
      [s.conversations, s.questions, s.fallback_rate === null ? "–" : Math.round(s.fallback_rate * 100) + "%",
       s.handoffs, s.crisis, s.takeovers, s.median_wait_seconds === null ? "–" : s.median_wait_seconds]
        .forEach(function (v) { row.appendChild(cell("td", String(v))); });
    });
    status.textContent = "Showing " + data.series.length + " " + data.period + "(s).";
  }
  function load() {
    var params = new URLSearchParams(new FormData(form));
    fetch("/staff/api/counts?" + params.toString(), { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { window.location.href = "/staff/login"; throw new Error("logged out"); }
      return r.json();
    }).then(render).catch(function (e) { status.textContent = e.message; });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
  window.__staffCounts = { charts: charts };
  load();
})();
