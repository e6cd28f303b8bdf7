// A feed address is selected whole when its field gets focus, ready to copy; with
// JavaScript its copy button appears and copies it in one press.
document.querySelectorAll("[data-copy]").forEach(function (input) {
  input.addEventListener("focus", function () { input.select(); });
});
document.querySelectorAll("[data-copy-target]").forEach(function (button) {
  var input = document.getElementById(button.getAttribute("data-copy-target"));
  var status = button.parentNode.querySelector(".copy-status");
  if (!input) return;
  function done() { status.textContent = button.getAttribute("data-copied"); }
  button.hidden = false;
  button.addEventListener("click", function () {
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        if (document.execCommand("copy")) done();
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  });
});
