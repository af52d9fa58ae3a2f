// Live job state: a WebSocket first, polling the status endpoint when the socket is unavailable.
(function () {
  "use strict";
  const box = document.getElementById("job-live");
  if (!box) return;
  const statusEl = document.getElementById("job-status");
  const stageEl = document.getElementById("job-stage");
  const wrap = document.getElementById("job-progress-wrap");
  const bar = document.getElementById("job-progress");
  const percent = document.getElementById("job-percent");
  const errorEl = document.getElementById("job-error");
  const initial = box.dataset.status;
  const finished = ["succeeded", "failed", "cancelled"];
  const labels = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled" };
  let pollTimer = null;

  function apply(state) {
    statusEl.textContent = labels[state.status] || state.status;
    statusEl.className = "status status-" + state.status;
    box.dataset.status = state.status;
    const done = finished.includes(state.status);
    if (!done) stageEl.textContent = state.stage_label;
    bar.value = state.progress;
    percent.textContent = state.progress + "%";
    wrap.hidden = done;
    if (state.error) { errorEl.textContent = state.error.message; errorEl.hidden = false; }
    if (state.status === "succeeded" && initial !== "succeeded") window.location.reload();
    if (done && pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function poll() {
    if (pollTimer || finished.includes(box.dataset.status)) return;
    const tick = function () {
      fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { if (s) apply(s); })
        .catch(function () {});
    };
    tick();
    pollTimer = setInterval(tick, 2000);
  }

  if (finished.includes(initial)) return;
  try {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + "/ws/jobs/" + box.dataset.jobId + "/");
    socket.addEventListener("message", function (e) { apply(JSON.parse(e.data)); });
    socket.addEventListener("close", poll);
    socket.addEventListener("error", poll);
  } catch (err) {
    poll();
  }
})();
