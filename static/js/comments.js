// Comments on the job page: the time field follows the player until someone types in it.
(function () {
  "use strict";
  const field = document.querySelector("[data-follow-player]");
  const player = document.getElementById("source-player");
  if (!field || !player) return;
  let typed = false;
  field.addEventListener("input", function () { typed = true; });
  function clock(t) {
    const s = Math.floor(t);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }
  function follow() { if (!typed) field.value = clock(player.currentTime); }
  ["timeupdate", "seeked", "pause"].forEach(function (e) { player.addEventListener(e, follow); });
  document.getElementById("comment-form").addEventListener("submit", function () {
    // The exact second, not the rounded clock shown, unless a time was typed.
    if (!typed) field.value = player.currentTime.toFixed(2);
  });
})();

// Live comments: what other coaches add, delete or mark shared appears without a reload. A
// socket on the job first (it asks for comment events with ?comments=1); when none can be
// opened, the JSON list is polled, sending its ETag back so an unchanged list costs a 304.
// User text goes in with textContent only.
(function () {
  "use strict";
  const section = document.getElementById("comments");
  const template = document.getElementById("comment-template");
  if (!section || !template) return;
  const player = document.getElementById("source-player");
  const empty = document.getElementById("comment-empty");
  const duration = Number(section.dataset.duration) || 0;
  const NO_ID = "00000000-0000-0000-0000-000000000000";
  const POLL_MS = 3000;
  let pollTimer = null;
  let etag = null;

  function items() { return Array.from(section.querySelectorAll("#comment-list > li[data-comment-id]")); }
  function itemFor(id) { return items().find(function (li) { return li.dataset.commentId === id; }) || null; }

  // Seeking: charts.js binds [data-seek] elements once, at load; the ones made here bind themselves.
  function seekOnClick(el) {
    el.addEventListener("click", function () {
      if (!player) return;
      player.currentTime = Number(el.dataset.seek);
      player.play().catch(function () {});
    });
  }

  function list() {
    let ol = document.getElementById("comment-list");
    if (!ol) {
      ol = document.createElement("ol");
      ol.className = "comments";
      ol.id = "comment-list";
      section.insertBefore(ol, empty || template);
    }
    return ol;
  }

  function setShared(li, shared) {
    li.classList.toggle("comment-shared", shared);
    const form = li.querySelector("form.comment-share");
    if (form) {
      form.elements.shared.value = shared ? "0" : "1";  // what the next click asks for
      const button = form.querySelector("button");
      button.textContent = shared ? button.dataset.sharedText : button.dataset.unsharedText;
      button.setAttribute("aria-pressed", shared ? "true" : "false");
    }
    const mark = li.querySelector(".comment-shared-mark");
    if (mark) mark.hidden = !shared;
  }

  function setBody(p, text) {
    p.textContent = "";
    text.split("\n").forEach(function (line, i) {
      if (i) p.appendChild(document.createElement("br"));
      p.appendChild(document.createTextNode(line));
    });
  }

  function render(c) {
    const li = template.content.firstElementChild.cloneNode(true);
    li.id = "comment-" + c.id;
    li.dataset.commentId = c.id;
    li.dataset.at = String(c.at_s);
    li.dataset.created = c.created_at;
    const seek = li.querySelector("[data-seek]");
    seek.dataset.seek = String(c.at_s);
    seek.textContent = "at " + c.clock;
    seekOnClick(seek);
    li.querySelector(".who-said").textContent = c.author || "a former member";
    li.querySelector(".comment-created").textContent = c.created_text;
    li.querySelectorAll("form[data-action]").forEach(function (form) {
      form.action = form.dataset.action.replace(NO_ID, c.id);
    });
    const remove = li.querySelector("form.comment-delete");
    if (c.can_delete) remove.querySelector("button").setAttribute("aria-label", "Delete the comment at " + c.clock);
    else remove.remove();
    setBody(li.querySelector(".comment-body"), c.body);
    setShared(li, c.shared);
    return li;
  }

  // In the order of the recording, then of writing, as the page lists them.
  function before(a, b) {
    return a.at !== b.at ? a.at < b.at : Date.parse(a.created) < Date.parse(b.created);
  }

  function insert(c) {
    const li = render(c);
    const key = { at: c.at_s, created: c.created_at };
    const next = items().find(function (o) { return before(key, { at: Number(o.dataset.at), created: o.dataset.created }); });
    list().insertBefore(li, next || null);
    if (empty) empty.hidden = true;
    addMark(c);
  }

  function addMark(c) {
    const marks = document.getElementById("comment-marks");
    if (!marks || !duration) return;  // the track is drawn only when the page had comments
    const mark = document.createElement("button");
    mark.type = "button";
    mark.className = "cm-mark";
    mark.style.left = (100 * Math.min(c.at_s / duration, 1)).toFixed(3) + "%";
    mark.dataset.seek = String(c.at_s);
    mark.dataset.commentId = c.id;
    const body = c.body.length > 80 ? c.body.slice(0, 79) + "…" : c.body;
    mark.title = c.clock + " " + (c.author || "") + ": " + body;
    mark.setAttribute("aria-label", "Comment at " + c.clock);
    seekOnClick(mark);
    marks.appendChild(mark);
  }

  function removeMark(id, at) {
    const marks = document.getElementById("comment-marks");
    if (!marks) return;
    const all = Array.from(marks.querySelectorAll(".cm-mark"));
    // Marks drawn by the page may not name their comment: then the first one at that time goes.
    const mark = all.find(function (m) { return m.dataset.commentId === id; }) ||
      all.find(function (m) { return !m.dataset.commentId && Number(m.dataset.seek) === at; });
    if (mark) mark.remove();
  }

  function drop(id) {
    const li = itemFor(id);
    if (!li) return;
    removeMark(id, Number(li.dataset.at));
    li.remove();
    if (!items().length && empty) empty.hidden = false;
  }

  function apply(kind, c) {
    const li = itemFor(c.id);
    if (kind === "deleted") drop(c.id);
    else if (li) setShared(li, c.shared);
    else insert(c);
  }

  // The whole list from the endpoint: add what is new, drop what is gone, update the marks.
  function sync(comments) {
    const ids = new Set(comments.map(function (c) { return c.id; }));
    items().forEach(function (li) { if (!ids.has(li.dataset.commentId)) drop(li.dataset.commentId); });
    comments.forEach(function (c) { apply("shared", c); });
  }

  function fetchList() {
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    return fetch(section.dataset.commentsUrl, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status !== 200) return null;  // 304: nothing changed
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (data) { if (data) sync(data.comments); })
      .catch(function () {});
  }

  function poll() {
    if (pollTimer) return;
    fetchList();
    pollTimer = setInterval(fetchList, POLL_MS);
  }

  // Share and unshare in place; without this script the form posts and the page comes back.
  section.addEventListener("submit", function (event) {
    const form = event.target.closest("form.comment-share");
    if (!form) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { apply("shared", data.comment); })
      .catch(function () { form.submit(); });  // let the server say what went wrong
  });

  try {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const url = scheme + window.location.host + "/ws/jobs/" + section.dataset.jobId + "/?comments=1";
    const socket = new WebSocket(url);
    socket.addEventListener("open", fetchList);  // what changed between the page and the socket
    socket.addEventListener("message", function (e) {
      const message = JSON.parse(e.data);
      if (message.comment_event && message.comment) apply(message.comment_event, message.comment);
    });
    socket.addEventListener("close", poll);
    socket.addEventListener("error", poll);
  } catch (err) {
    poll();
  }
})();
