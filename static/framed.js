// On a booking page inside an article's frame (embed.js): tells the article page
// how tall this page is, that a booking was made (nothing more), and that Escape
// was pressed (keys inside a frame do not reach the dialog around it). The target
// is "*": the messages hold nothing personal, and only EMBED_ORIGINS may frame us.
(function () {
  if (window.parent === window) return;
  function tell(message) { window.parent.postMessage(message, "*"); }
  function height() {
    tell({ booking: "height", height: Math.ceil(document.body.getBoundingClientRect().height) });
  }
  // At once as well: a frame out of view is not rendered, so the observer waits.
  height();
  new ResizeObserver(height).observe(document.body);
  if (document.querySelector("[data-booking-booked]")) tell({ booking: "booked" });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") tell({ booking: "close" });
  });
})();
