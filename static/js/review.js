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

// The transcript follows the player: the line being spoken is marked (and scrolled into view
// inside the transcript box, never the page); a click on a word plays from that word.
(function () {
  "use strict";
  const player = document.getElementById("source-player");
  const list = document.querySelector("[data-transcript]");
  if (!player || !list) return;
  const lines = Array.from(list.querySelectorAll("li[data-start]"));
  const starts = lines.map(function (li) { return Number(li.dataset.start); });
  let current = null;

  function lineAt(t) {
    let lo = 0, hi = starts.length;  // the last line that starts at or before t
    while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= t) lo = mid + 1; else hi = mid; }
    const li = lines[lo - 1];
    return li && t <= Number(li.dataset.end) + 0.5 ? li : null;
  }

  function follow() {
    const li = lineAt(player.currentTime || 0);
    if (li === current) return;
    if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
    current = li;
    if (!li) return;
    li.classList.add("now");
    li.setAttribute("aria-current", "true");
    const top = li.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - li.offsetHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);
    }
  }
  ["timeupdate", "seeked"].forEach(function (e) { player.addEventListener(e, follow); });

  list.addEventListener("click", function (event) {
    const word = event.target.closest(".w[data-t]");
    if (!word) return;
    player.currentTime = Number(word.dataset.t);
    player.play().catch(function () {});
  });
})();
