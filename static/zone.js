// Shows times in the visitor's own zone: on a first visit without ?tz= the
// browser's zone is applied (unless the page already knows the visitor's zone:
// data-zone-known), and changing the picker applies at once. Without JavaScript
// the picker's button does the same, starting from Europe/Berlin.
(function () {
  var picker = document.querySelector("[data-zone-picker]");
  if (!picker) return;
  var select = picker.querySelector("select");
  var params = new URLSearchParams(window.location.search);
  // A booking's own pages know the visitor's zone (the one they booked in).
  if (!params.has("tz") && !picker.hasAttribute("data-zone-known")) {
    var detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // The server knows old names too (Asia/Calcutta) and shows the current one.
    if (detected && detected !== select.value) {
      params.set("tz", detected);
      window.location.replace(window.location.pathname + "?" + params.toString());
      return;
    }
  }
  // With JavaScript the choice applies at once, so the button is not needed.
  var button = picker.querySelector("button");
  if (button) button.hidden = true;
  select.addEventListener("change", function () { picker.submit(); });
})();
