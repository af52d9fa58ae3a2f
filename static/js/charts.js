// Charts on the job page, drawn with the vendored Chart.js from the result's numbers.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const palette = ["#2f6f4f", "#c2571a", "#3b5bdb", "#8e44ad", "#b8860b", "#0f7c8c"];
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
      datasets: [{ data: [data.questions.oeq, data.questions.ceq], backgroundColor: ["#1f6f43", "#b7791f"] }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  });
})();
