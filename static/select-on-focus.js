// A feed address is selected whole when its field gets focus, ready to copy.
document.querySelectorAll("[data-copy]").forEach(function (input) {
  input.addEventListener("focus", function () { input.select(); });
});
