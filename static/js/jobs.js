// Live status on the lessons list (the dashboard home) over the tenant socket.
(function () {
  "use strict";
  const table = document.querySelector("[data-live-tenant]");
  if (!table || !("WebSocket" in window)) return;
  const labels = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled" };
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  function showNotice(notice) {
    const box = document.querySelector("[data-notices]");
    if (!box) return;
    const p = document.createElement("p");
    p.textContent = notice.message;
    box.appendChild(p);
    box.hidden = false;
  }
  const socket = new WebSocket(scheme + window.location.host + "/ws/tenant/");
  socket.addEventListener("message", function (e) {
    const state = JSON.parse(e.data);
    if (state.notice) { showNotice(state.notice); return; }
    const row = table.querySelector('[data-job="' + state.id + '"]');
    if (!row) return;
    const status = row.querySelector("[data-status]");
    const bar = row.querySelector("[data-progress]");
    status.textContent = labels[state.status] || state.status;
    status.className = "status status-" + state.status;
    const finished = ["succeeded", "failed", "cancelled"].includes(state.status);
    bar.value = state.progress;
    bar.hidden = finished;
    const cancel = row.querySelector("[data-cancel]");
    if (cancel && finished) cancel.remove();  // nothing left to cancel; a reload offers "Run again"
  });
})();
