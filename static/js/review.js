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
