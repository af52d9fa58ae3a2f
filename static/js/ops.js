// Operators' view: jobs finished per hour (stacked bars) and the mean real-time factor (line).
(function () {
  "use strict";
  const canvas = document.getElementById("chart-throughput");
  if (!canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(document.getElementById("throughput-data").textContent);
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Succeeded", data: data.succeeded, backgroundColor: "#2f855a", stack: "jobs", yAxisID: "y" },
        { type: "bar", label: "Failed", data: data.failed, backgroundColor: "#c53030", stack: "jobs", yAxisID: "y" },
        { type: "line", label: "Real-time factor (x)", data: data.rtf, borderColor: "#2b6cb0", backgroundColor: "#2b6cb0",
          pointRadius: 4, spanGaps: true, yAxisID: "y1", order: -1 },
      ],
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: {
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "jobs" } },
        y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "x real time" } },
      },
    },
  });
})();
