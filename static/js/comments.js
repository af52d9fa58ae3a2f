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
