// Charts on the job page, drawn with the vendored Chart.js from the result's numbers.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const palette = ["#2b6cb0", "#c2571a", "#0f7c8c", "#b83280", "#8b5e34", "#4a5568"];  // .spk-N in app.css
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  new Chart(document.getElementById("chart-talk"), {
    type: "doughnut",
    data: { labels: data.talk.labels,
      datasets: [{ data: data.talk.values, backgroundColor: data.talk.colours.map(function (c) { return palette[c]; }) }] },
    options: Object.assign({}, common, { plugins: { legend: { position: "bottom" },
      tooltip: { callbacks: { label: function (c) { return c.label + ": " + c.parsed + "%"; } } } } }),
  });
  new Chart(document.getElementById("chart-questions"), {
    type: "bar",
    data: { labels: ["OEQ", "CEQ"],
      datasets: [{ data: [data.questions.oeq, data.questions.ceq], backgroundColor: ["#2f855a", "#6b46c1"] }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  });
  new Chart(document.getElementById("chart-waits"), {
    type: "bar",
    data: { labels: data.waits.labels,
      datasets: [{ data: data.waits.values,
        backgroundColor: data.waits.kinds.map(function (k) { return k === "OEQ" ? "#2f855a" : "#6b46c1"; }) }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, suggestedMax: 3 } } }),
  });
})();
