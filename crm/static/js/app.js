// The few lines htmx attributes cannot do: theme toggle, drag-and-drop sorting.
(function () {
  "use strict";

  // Theme: flip instantly and remember in a cookie the server reads, so the
  // next page renders in the right theme from its first byte (no flash).
  function effectiveTheme() {
    var t = document.documentElement.getAttribute("data-theme");
    if (t === "dark" || t === "light") return t;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-theme-toggle]");
    if (!btn) return;
    ev.preventDefault();
    var next = effectiveTheme() === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", next);
    var meta = document.querySelector('meta[name="color-scheme"]');
    if (meta) meta.setAttribute("content", next);
    document.cookie = "theme=" + next + "; path=/; max-age=31536000; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
  });

  // Drag-and-drop reordering of [data-sortable] lists; the new order is posted
  // with the sibling form (htmx-free, a plain form submit).
  var dragged = null;
  document.addEventListener("dragstart", function (ev) {
    var item = ev.target.closest && ev.target.closest("[data-sortable] > li");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", item.dataset.token || "");
  });
  document.addEventListener("dragover", function (ev) {
    if (!dragged) return;
    var over = ev.target.closest && ev.target.closest("[data-sortable] > li");
    if (!over || over === dragged || over.parentNode !== dragged.parentNode) return;
    ev.preventDefault();
    var rect = over.getBoundingClientRect();
    var after = ev.clientY > rect.top + rect.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });
  document.addEventListener("drop", function (ev) { if (dragged) ev.preventDefault(); });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var list = dragged.parentNode;
    dragged.classList.remove("dragging");
    dragged = null;
    var form = list.previousElementSibling;
    if (!form || !form.matches("[data-sortable-form]")) return;
    var tokens = Array.prototype.map.call(list.children, function (li) { return li.dataset.token; });
    form.querySelector('input[name="order"]').value = tokens.join(",");
    form.submit();
  });
})();

// Copy-link buttons: [data-copy] puts its value on the clipboard; an empty
// value copies the link just before the button (the record's WhatsApp link).
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-copy]");
    if (!btn) return;
    ev.preventDefault();
    var text = btn.getAttribute("data-copy");
    if (!text && btn.previousElementSibling) text = btn.previousElementSibling.href;
    var done = function () {
      var label = btn.textContent;
      btn.textContent = btn.getAttribute("data-copied") || "✓";
      btn.classList.add("copied");
      setTimeout(function () { btn.textContent = label; btn.classList.remove("copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  });
  function fallback(text) {
    var ta = document.createElement("textarea");
    ta.value = text; ta.setAttribute("readonly", ""); ta.className = "sr-only";
    document.body.appendChild(ta); ta.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing else to try */ }
    document.body.removeChild(ta);
  }
})();

// Weak mobile networks: when an htmx request fails or times out, say so
// (nothing else changed on the page, so tapping again is safe).
(function () {
  "use strict";
  function warn() {
    var area = document.getElementById("flash-area");
    var text = document.body.getAttribute("data-net-error");
    if (!area || !text || area.querySelector(".flash-net")) return;
    var div = document.createElement("div");
    div.className = "flash flash-error flash-net";
    div.setAttribute("role", "alert");
    div.textContent = text;
    area.appendChild(div);
    setTimeout(function () { div.remove(); }, 6000);
  }
  document.addEventListener("htmx:sendError", warn);
  document.addEventListener("htmx:timeout", warn);
  document.addEventListener("htmx:responseError", function (ev) {
    if (ev.detail && ev.detail.xhr && ev.detail.xhr.status >= 500) warn();
  });
})();

// Destructive buttons ask first: [data-confirm] holds the question. Runs in
// the capture phase, so a cancelled click submits nothing (plain or htmx).
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest && ev.target.closest("[data-confirm]");
  if (!btn) return;
  if (!window.confirm(btn.getAttribute("data-confirm"))) {
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }
}, true);
