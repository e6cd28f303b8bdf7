/* The booking widget for the practice's article pages. No dependencies; talks to
   nobody but the service it is loaded from. Links and buttons with data-booking
   open the booking in a dialog on wide screens (a phone follows the link to the
   full page); a <div data-booking-inline> gets it inline. Optional data-source,
   data-therapist, data-lang. A finished booking fires "booking:booked" (bubbling,
   no personal data) on the link or container. */
(function () {
  var me = document.currentScript;
  if (!me) return;
  var ORIGIN = new URL(me.src).origin;
  var BASE = me.src.replace(/\/embed\.js([?#].*)?$/, "");
  var wide = matchMedia("(min-width: 40em)");
  var frames = [];

  function attr(el, name) { return el.getAttribute("data-" + name) || ""; }

  // data-source, else the article's own path, as a source the service accepts.
  function source(el) {
    return attr(el, "source") || location.pathname.replace(/^\/+|\/+$/g, "")
      .replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 120);
  }

  function address(el, embedded) {
    var href = el.getAttribute("href"), url = new URL(BASE + "/book");
    if (href && new URL(href, location.href).origin === ORIGIN) url = new URL(href, location.href);
    var query = url.searchParams, from = source(el);
    if (from && (attr(el, "source") || !query.has("source"))) query.set("source", from);
    if (attr(el, "therapist")) query.set("therapist", attr(el, "therapist"));
    if (attr(el, "lang")) query.set("lang", attr(el, "lang"));
    if (embedded) query.set("embed", "1");
    return url.href;
  }

  function frame(owner, title, inline) {
    var f = document.createElement("iframe");
    f.src = address(owner, true);
    f.title = title;
    f.style.border = "0";
    f.style.width = "100%";
    f.style.display = "block";
    frames.push({ frame: f, owner: owner, inline: inline });
    return f;
  }

  function forget(f) {
    frames = frames.filter(function (known) { return known.frame !== f; });
  }

  function open(link) {
    var english = /^en/.test(attr(link, "lang") || document.documentElement.lang);
    var label = link.textContent.trim() || (english ? "Booking" : "Buchung");
    var dialog = document.createElement("dialog"), close = document.createElement("button");
    var f = frame(link, label, false), root = document.documentElement;
    var overflow = root.style.overflow, s = dialog.style;
    dialog.setAttribute("aria-label", label);
    s.padding = "0";
    s.border = "0";
    s.borderRadius = ".5rem";
    s.width = "min(48rem, calc(100vw - 2rem))";
    s.height = "min(60rem, calc(100vh - 2rem))";
    s.display = "flex";
    s.flexDirection = "column";
    close.type = "button";
    close.textContent = english ? "Close" : "Schließen";
    close.style.alignSelf = "flex-end";
    close.style.margin = ".5rem";
    close.style.minHeight = "44px";
    close.style.font = "inherit";
    close.addEventListener("click", function () { dialog.close(); });
    f.style.flex = "1";
    dialog.append(close, f);
    dialog.addEventListener("close", function () {
      root.style.overflow = overflow;
      forget(f);
      dialog.remove();
      link.focus();
    });
    document.body.append(dialog);
    root.style.overflow = "hidden";
    dialog.showModal();
    close.focus();
  }

  addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== ORIGIN || !data || typeof data.booking !== "string") return;
    frames.forEach(function (known) {
      if (known.frame.contentWindow !== event.source) return;
      if (data.booking === "height" && known.inline) {
        known.frame.style.height = Math.max(200, Math.min(+data.height || 0, 20000)) + "px";
      } else if (data.booking === "close" && !known.inline) {
        known.frame.parentNode.close();
      } else if (data.booking === "booked") {
        known.owner.dispatchEvent(new CustomEvent("booking:booked", {
          bubbles: true, detail: { source: source(known.owner) } }));
      }
    });
  });

  function start() {
    document.querySelectorAll("[data-booking]").forEach(function (link) {
      if (link.tagName === "A") link.href = address(link, false);
      link.addEventListener("click", function (event) {
        if (!wide.matches) {
          if (link.tagName !== "A") location.href = address(link, false);
          return;
        }
        event.preventDefault();
        open(link);
      });
    });
    document.querySelectorAll("[data-booking-inline]").forEach(function (box) {
      var f = frame(box, box.textContent.trim() || "Booking", true);
      f.style.height = "40rem";
      box.replaceChildren(f);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
