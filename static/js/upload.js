// Chunked, resumable uploads with a queue: each file gets its own progress bar, speed and
// time left. Size and type are checked before the first byte; each file is sent in chunks
// at the offset the server holds (retried with backoff when the connection drops), and its
// session is remembered in localStorage so that choosing the same file after a reload goes
// on from where the server stopped. Without JavaScript the form posts the file whole.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("id_file");
  const errorBox = document.getElementById("upload-error");
  const list = document.getElementById("upload-queue");
  const maxBytes = Number(form.dataset.maxBytes);
  const extensions = form.dataset.extensions.split(",");
  const sessionsUrl = form.dataset.sessionsUrl;
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const STORE = "cultivate.upload:";
  const BACKOFF_S = [1, 2, 4, 8, 15, 30, 30, 30];  // then the file waits for "Resume"
  const queue = [];
  let running = false;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function formatBytes(n) {
    const units = ["B", "KB", "MB", "GB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  function formatTime(s) {
    if (!isFinite(s)) return "";
    s = Math.round(s);
    return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  function check(file) {
    if (!file) return "Choose a video or audio file to upload.";
    const ext = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
    if (!extensions.includes(ext)) return file.name + ": files of type ." + (ext || "?") + " are not accepted; use one of: " + extensions.join(", ") + ".";
    if (file.size === 0) return file.name + ": the file is empty (0 bytes).";
    if (file.size > maxBytes) return file.name + ": the file is " + formatBytes(file.size) + "; the limit is " + formatBytes(maxBytes) + ".";
    return "";
  }

  function checkAll(files) {
    if (!files.length) return check(null);
    return files.map(check).filter(Boolean).join(" ");
  }

  // The cost estimate before any byte is sent: the browser reads each recording's length.
  const costBox = document.getElementById("upload-cost");
  const estimateBox = document.getElementById("upload-estimate");
  function duration(file) {
    return new Promise(function (resolve) {
      const probe = document.createElement(file.type.startsWith("audio") ? "audio" : "video");
      probe.preload = "metadata";
      const url = URL.createObjectURL(file);
      probe.addEventListener("loadedmetadata", function () { URL.revokeObjectURL(url); resolve(probe.duration); });
      probe.addEventListener("error", function () { URL.revokeObjectURL(url); resolve(NaN); });
      probe.src = url;
    });
  }
  function estimate(files) {
    if (!costBox) return;
    estimateBox.textContent = "";
    if (!files.length || checkAll(files)) return;
    Promise.all(files.map(duration)).then(function (seconds) {
      if (!seconds.every(isFinite)) return;
      const total = seconds.reduce(function (a, b) { return a + b; }, 0);
      const cost = (total / 60) * Number(costBox.dataset.perMinute);
      let text = (files.length === 1 ? "This recording (" : "These " + files.length + " recordings (") +
        formatTime(total) + "): about " + cost.toFixed(4) + " " + costBox.dataset.currency + ".";
      const remaining = costBox.dataset.remaining;
      if (remaining !== "" && cost > Number(remaining)) text += " That is more than the budget left this month.";
      estimateBox.textContent = text;
    });
  }

  function chosen() { return Array.from(input.files); }
  input.addEventListener("change", function () { showError(checkAll(chosen())); estimate(chosen()); });
  if (input.files.length) showError(checkAll(chosen()));  // chosen before this script ran

  // --- talking to the server -------------------------------------------------------------

  function fileKey(file) { return STORE + [file.name, file.size, file.lastModified].join(":"); }
  function sessionUrl(id) { return sessionsUrl + "/" + id; }

  function request(method, url, body, headers, onProgress) {
    // Resolves with {status, body} for any HTTP answer; rejects only when no answer came.
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      Object.keys(headers || {}).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      if (onProgress) xhr.upload.addEventListener("progress", function (e) { onProgress(e.loaded); });
      xhr.addEventListener("load", function () {
        let data = {};
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = {}; }
        resolve({ status: xhr.status, body: data });
      });
      xhr.addEventListener("error", function () { reject(new Error("network")); });
      xhr.addEventListener("abort", function () { reject(new Error("cancelled")); });
      xhr.send(body === undefined ? null : body);
    });
  }

  function sleep(s) { return new Promise(function (resolve) { setTimeout(resolve, s * 1000); }); }

  // Retries what did not get an answer (a dropped connection) or got a server error.
  async function patiently(item, attempt) {
    for (let i = 0; ; i++) {
      if (item.cancelled) throw new Error("cancelled");
      let reply = null;
      try { reply = await attempt(); } catch (err) { if (err.message === "cancelled") throw err; }
      if (reply && reply.status < 500) { item.setDetail(""); return reply; }
      if (i >= BACKOFF_S.length) throw new Error("stalled");
      item.setStatus("Connection lost; trying again in " + BACKOFF_S[i] + " s…");
      await sleep(BACKOFF_S[i]);
    }
  }

  function problem(reply) {
    return reply.body.error ? reply.body.error.message : "The upload failed (HTTP " + reply.status + "). Please try again.";
  }

  async function openSession(item) {
    const stored = localStorage.getItem(fileKey(item.file));
    if (stored) {
      const reply = await patiently(item, function () { return request("GET", sessionUrl(stored)); });
      if (reply.status === 200 && (reply.body.status === "open" || reply.body.job_url)) return reply.body;
      localStorage.removeItem(fileKey(item.file));  // gone, aborted or someone else's: start again
    }
    const body = new URLSearchParams({ name: item.file.name, size: String(item.file.size) });
    const reply = await patiently(item, function () {
      return request("POST", sessionsUrl, body.toString(), { "Content-Type": "application/x-www-form-urlencoded" });
    });
    if (reply.status !== 201) throw new Error(problem(reply));
    localStorage.setItem(fileKey(item.file), reply.body.id);
    return reply.body;
  }

  async function send(item) {
    const file = item.file;
    const session = await openSession(item);
    item.sessionId = session.id;
    if (session.job_url) return session.job_url;  // finished before the reload
    let offset = session.offset;
    if (offset > 0) item.setStatus("Resuming from " + formatBytes(offset) + ".");
    const started = Date.now();
    const from = offset;
    function progress(sent) {
      const speed = (sent - from) / Math.max((Date.now() - started) / 1000, 0.001);
      item.setProgress(sent, speed > 0 ? formatBytes(speed) + "/s, " + formatTime((file.size - sent) / speed) + " left" : "");
    }
    progress(offset);
    while (offset < file.size) {
      const at = offset;
      const chunk = file.slice(at, Math.min(at + session.chunk_bytes, file.size));
      const reply = await patiently(item, function () {
        return request("PUT", sessionUrl(session.id), chunk, { "Upload-Offset": String(at), "Content-Type": "application/octet-stream" },
          function (loaded) { progress(at + loaded); });
      });
      if (reply.status === 200) offset = reply.body.offset;
      else if (reply.status === 409 && typeof reply.body.offset === "number" && reply.body.error.code === "wrong_offset") offset = reply.body.offset;
      else throw new Error(problem(reply));
      progress(offset);
    }
    item.setStatus("Uploaded; checking the file…");
    const options = new FormData(form);
    options.delete("file");
    const reply = await patiently(item, function () { return request("POST", sessionUrl(session.id) + "/finish", options); });
    if (reply.status !== 200 && reply.status !== 201) {
      if (!reply.body.error || reply.body.error.code !== "upload_incomplete") localStorage.removeItem(fileKey(file));
      throw new Error(problem(reply));
    }
    localStorage.removeItem(fileKey(file));
    return reply.body.job.url;
  }

  // --- the queue -------------------------------------------------------------------------

  function row(file) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name + " (" + formatBytes(file.size) + ")";
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    const percent = document.createElement("span");
    percent.textContent = "0%";
    const detail = document.createElement("span");
    detail.className = "hint";
    const status = document.createElement("span");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Cancel";
    button.setAttribute("aria-label", "Cancel the upload of " + file.name);
    li.append(name, bar, percent, " ", detail, " ", status, " ", button);
    list.append(li);
    list.hidden = false;

    const item = {
      file: file, li: li, cancelled: false, state: "waiting",
      setProgress: function (sent, text) {
        const pct = Math.floor((sent / file.size) * 100);
        bar.value = pct;
        percent.textContent = pct + "%";
        detail.textContent = text;
      },
      setDetail: function (text) { detail.textContent = text; },
      setStatus: function (text) { status.textContent = text; },
      done: function (url) {
        item.state = "done";
        status.textContent = "";
        const link = document.createElement("a");
        link.href = url;
        link.textContent = "Open the job";
        status.append("Uploaded. ", link);
        button.remove();
      },
    };
    item.setStatus("Waiting…");
    button.addEventListener("click", function () {
      if (item.state === "stopped") {  // "Resume"
        button.textContent = "Cancel";
        button.setAttribute("aria-label", "Cancel the upload of " + file.name);
        enqueue(item);
        return;
      }
      item.cancelled = true;
      item.state = "cancelled";
      status.textContent = "Cancelled.";
      button.remove();
      const id = item.sessionId || localStorage.getItem(fileKey(file));
      localStorage.removeItem(fileKey(file));
      if (id) request("DELETE", sessionUrl(id)).catch(function () {});
    });
    item.stop = function (message) {
      item.state = "stopped";
      status.textContent = message + " Choose Resume to go on from where it stopped.";
      button.textContent = "Resume";
      button.setAttribute("aria-label", "Resume the upload of " + file.name);
    };
    return item;
  }

  function enqueue(item) {
    item.state = "waiting";
    queue.push(item);
    run();
  }

  async function run() {
    if (running) return;
    running = true;
    while (queue.length) {
      const item = queue.shift();
      if (item.cancelled) continue;
      item.state = "sending";
      item.setStatus("");
      try {
        const url = await send(item);
        item.done(url);
        if (items.length === 1) { item.setStatus("Uploaded. Opening the job…"); window.location.assign(url); }
      } catch (err) {
        if (item.cancelled || err.message === "cancelled") continue;
        if (err.message === "stalled") { item.stop("The connection dropped."); continue; }
        item.state = "failed";
        item.setStatus(err.message);
        const button = item.li.querySelector("button");
        if (button) button.remove();
        showError(err.message);
      }
    }
    running = false;
  }

  const items = [];
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const files = chosen();
    const problems = checkAll(files);
    showError(problems);
    if (problems) return;
    files.forEach(function (file) {
      const key = fileKey(file);
      const known = items.find(function (it) { return fileKey(it.file) === key && it.state !== "failed" && it.state !== "cancelled"; });
      if (known) return;  // already in the queue
      const item = row(file);
      items.push(item);
      enqueue(item);
    });
  });
})();
