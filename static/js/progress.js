// The teacher progress chart, drawn with the vendored Chart.js: shares on the left axis, seconds on the right.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  const canvas = document.getElementById("chart-progress");
  if (!canvas) return;
  const data = JSON.parse(document.getElementById("progress-data").textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: "OEQ share (%)", data: data.oeq, borderColor: "#2f855a", backgroundColor: "#2f855a", yAxisID: "y", spanGaps: true },
        { label: "Teacher talk (%)", data: data.talk, borderColor: "#2b6cb0", backgroundColor: "#2b6cb0", yAxisID: "y", spanGaps: true },
        { label: "Mean wait time (s)", data: data.wait, borderColor: "#c2571a", backgroundColor: "#c2571a", yAxisID: "y1",
          borderDash: [6, 4], spanGaps: true },
      ],
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: "%" } },
        y1: { position: "right", beginAtZero: true, suggestedMax: 3, grid: { drawOnChartArea: false }, title: { display: true, text: "s" } },
      },
    },
  });
})();
