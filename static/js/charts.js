// Charts on the job page, drawn with the vendored Chart.js from the result's numbers.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const palette = ["#2b6cb0", "#c2571a", "#0f7c8c", "#b83280", "#8b5e34", "#4a5568"];  // .spk-N in app.css
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  draw("chart-talk", {
    type: "doughnut",
    data: { labels: data.talk.labels,
      datasets: [{ data: data.talk.values, backgroundColor: data.talk.colours.map(function (c) { return palette[c]; }) }] },
    options: Object.assign({}, common, { plugins: { legend: { position: "bottom" },
      tooltip: { callbacks: { label: function (c) { return c.label + ": " + c.parsed + "%"; } } } } }),
  });
  draw("chart-questions", {
    type: "bar",
    data: { labels: ["OEQ", "CEQ"],
      datasets: [{ data: [data.questions.oeq, data.questions.ceq], backgroundColor: ["#2f855a", "#6b46c1"] }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  });
  draw("chart-waits", {
    type: "bar",
    data: { labels: data.waits.labels,
      datasets: [{ data: data.waits.values,
        backgroundColor: data.waits.kinds.map(function (k) { return k === "OEQ" ? "#2f855a" : "#6b46c1"; }) }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, suggestedMax: 3 } } }),
  });
  draw("chart-wait-spread", {
    type: "bar",
    data: { labels: data.wait_spread.labels,
      datasets: [{ label: "OEQ", data: data.wait_spread.OEQ, backgroundColor: "#2f855a", stack: "w" },
        { label: "CEQ", data: data.wait_spread.CEQ, backgroundColor: "#6b46c1", stack: "w" }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, stacked: true, ticks: { precision: 0 } },
      x: { stacked: true } } }),
  });
  if (data.visual && data.visual.t.length) {
    const maxMotion = Math.max.apply(null, data.visual.motion.concat([1e-6]));
    draw("chart-visual", {
      type: "line",
      data: { labels: data.visual.t.map(function (t) { return Math.round(t) + "s"; }),
        datasets: [
          { label: "Face visible", data: data.visual.presence, borderColor: "#2b6cb0", stepped: true, pointRadius: 0, borderWidth: 1 },
          { label: "Motion (scaled)", data: data.visual.motion.map(function (m) { return m / maxMotion; }), borderColor: "#c2571a", pointRadius: 0, borderWidth: 1 },
          { label: "Engagement", data: data.visual.engagement, borderColor: "#2f855a", pointRadius: 0, borderWidth: 2 },
        ] },
      options: Object.assign({}, common, { scales: { y: { min: 0, max: 1.05 } } }),
    });
  }
  const player = document.getElementById("source-player");
  document.querySelectorAll("[data-seek]").forEach(function (el) {
    el.addEventListener("click", function () {
      if (!player) return;
      player.currentTime = Number(el.dataset.seek);
      player.play().catch(function () {});  // a pause or another seek may interrupt it
    });
  });
})();
