// Spend by month on the admin's budget page, oldest month first, with this month's budget as a line.
(function () {
  "use strict";
  const canvas = document.getElementById("chart-spend");
  if (!canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(document.getElementById("spend-data").textContent);
  const datasets = [{ type: "bar", label: "Spent (" + data.currency + ")", data: data.values, backgroundColor: "#2b6cb0" }];
  if (data.budget !== null) {
    datasets.push({ type: "line", label: "Monthly budget", data: data.labels.map(function () { return data.budget; }),
      borderColor: "#c53030", borderDash: [6, 4], pointRadius: 0 });
  }
  new Chart(canvas, {
    data: { labels: data.labels, datasets: datasets },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } },
  });
})();
