// The copy-of-data page: the button's answer is a file, so the page stays as it was.
// Once the form is sent, its button gives way to a note that the link is used up.
document.querySelectorAll("form[data-used-up]").forEach(function (form) {
  var note = document.getElementById(form.getAttribute("data-used-up"));
  if (!note) return;
  form.addEventListener("submit", function () {
    // After this turn: the form must still be sent before it is hidden.
    window.setTimeout(function () {
      form.hidden = true;
      note.hidden = false;
      note.focus();
    }, 0);
  });
});
