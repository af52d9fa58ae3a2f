// Corrections on the review page: "Use the player's time" fills a time field with the
// player's position as m:ss.
(function () {
  "use strict";
  const player = document.getElementById("source-player");
  document.querySelectorAll("[data-fill-time]").forEach(function (button) {
    button.addEventListener("click", function () {
      const field = document.getElementById(button.dataset.fillTime);
      if (!player || !field) return;
      const t = Math.max(0, player.currentTime || 0);
      const seconds = (t % 60).toFixed(1).padStart(4, "0");
      field.value = Math.floor(t / 60) + ":" + seconds;
      field.focus();
    });
  });
})();

// The side panel's tabs (Transcript, Questions, Comments, Speakers): a click or the arrow
// keys pick one; a link to something inside a panel (#h-speakers, #comments, a comment) opens
// that panel, and one inside a closed "Details" or "Convert" opens it.
const reviewTabs = (function () {
  "use strict";
  const tabs = Array.from(document.querySelectorAll(".tabs [role=tab]"));
  function select(tab, focus) {
    tabs.forEach(function (t) {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    if (focus) tab.focus();
  }
  function byName(name) { return document.getElementById("tab-" + name); }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { select(tab, false); });
    tab.addEventListener("keydown", function (event) {
      const last = tabs.length - 1;
      const to = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      select(tabs[to], true);
    });
  });
  function reveal() {
    let target = null;
    try { target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null; }
    catch (e) { target = null; }
    if (!target) return;
    const panel = target.closest("[role=tabpanel]");
    if (panel) select(document.getElementById(panel.getAttribute("aria-labelledby")), false);
    const details = target.closest("details");
    if (details) details.open = true;
    target.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", reveal);
  if (tabs.length) reveal();
  return { select: function (name) { const tab = byName(name); if (tab) select(tab, false); } };
})();

// The transcript and the questions follow the player: the line being spoken and the last
// question asked are marked, and kept in view inside their own box (never scrolling the page,
// and not while the coach has just scrolled the box); a click on a word plays from that word.
// Keys: Space plays or pauses, J and K jump to the previous and next question, C starts a
// comment at the current moment.
(function () {
  "use strict";
  const player = document.getElementById("source-player");
  if (!player) return;

  function follower(list, useEnd) {
    if (!list) return null;
    const items = Array.from(list.querySelectorAll("li[data-start]"));
    const starts = items.map(function (li) { return Number(li.dataset.start); });
    let current = null, touched = 0;
    ["wheel", "touchmove", "keydown"].forEach(function (e) { list.addEventListener(e, function () { touched = Date.now(); }, { passive: true }); });
    function at(t) {
      let lo = 0, hi = starts.length;  // the last item that starts at or before t
      while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= t) lo = mid + 1; else hi = mid; }
      const li = items[lo - 1];
      return li && (!useEnd || t <= Number(li.dataset.end) + 0.5) ? li : null;
    }
    function show(li) {
      if (list.scrollHeight <= list.clientHeight || Date.now() - touched < 3000) return;
      const top = li.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - li.offsetHeight) {
        list.scrollTop = Math.max(0, top - list.clientHeight / 3);
      }
    }
    function mark(li) {
      if (li === current) return;
      if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
      current = li;
      if (!li) return;
      li.classList.add("now");
      li.setAttribute("aria-current", "true");
      show(li);
    }
    function follow() { mark(at(player.currentTime || 0)); }
    ["timeupdate", "seeked"].forEach(function (e) { player.addEventListener(e, follow); });
    return { starts: starts, items: items, mark: mark };
  }

  const transcript = document.querySelector("[data-transcript]");
  follower(transcript, true);
  const questions = follower(document.querySelector("[data-questions]"), false);

  if (transcript) {
    transcript.addEventListener("click", function (event) {
      const word = event.target.closest(".w[data-t]");
      if (!word) return;
      player.currentTime = Number(word.dataset.t);
      player.play().catch(function () {});
    });
  }

  function jump(step) {
    if (!questions || !questions.starts.length) return;
    const t = player.currentTime || 0, s = questions.starts;
    let i;
    if (step > 0) { i = s.findIndex(function (x) { return x > t + 0.25; }); if (i < 0) return; }
    else {  // the question before the one playing now (or the last one passed, if none plays)
      i = -1;
      s.forEach(function (x, k) { if (x < t - 1) i = k; });
      if (i < 0) i = 0;
    }
    player.currentTime = s[i];
    questions.mark(questions.items[i]);
  }

  // Keys are the page's except where they type (fields) or, for Space, where Space already
  // does something (a button, a link, the player's own controls).
  function typing(el) {
    return !!el && (el.isContentEditable || !!el.closest("input, textarea, select"));
  }
  function spaceTaken(el) {
    return !!el && !!el.closest("button, a, summary, video, audio, [role=tab]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || typing(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === " ") {
      if (spaceTaken(event.target)) return;
      event.preventDefault();
      if (player.paused) player.play().catch(function () {}); else player.pause();
    } else if (key === "j" || key === "k") {
      event.preventDefault();
      jump(key === "k" ? 1 : -1);
    } else if (key === "c") {
      const body = document.getElementById("comment-body");
      if (!body) return;
      event.preventDefault();
      player.pause();
      reviewTabs.select("comments");
      const at = document.getElementById("comment-at");
      if (at) {
        const s = Math.floor(player.currentTime || 0);
        at.value = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      }
      body.focus();
    }
  });
})();
