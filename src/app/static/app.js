// The few lines of behaviour htmx does not cover. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  // [data-copy="#id"] copies that element's value or text and confirms visibly.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent.trim();
    var done = function () {
      var status = document.querySelector(button.getAttribute("data-copy-status") || "#copy-status");
      if (status) { status.textContent = "Link copied to clipboard"; }
      button.setAttribute("data-copied", "true");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(source, text); done(); });
    } else { fallbackCopy(source, text); done(); }
  });

  function fallbackCopy(source, text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  }

  // Move focus to the first invalid field after a form comes back with errors.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.target.querySelector && event.target.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  });
  // ---- Live updates (htmx SSE extension on the logged-in shell) ----
  // The indicator follows the stream; after a reconnect, or when the server says "resync" (messages
  // were dropped), every self-refreshing live partial re-fetches itself; what an SSE refresh changed flashes.
  var LIVE = "[hx-trigger*='sse:']";
  var liveOpened = false;
  var liveSources = new WeakSet();
  var liveBefore = new WeakMap();

  function setLiveStatus(state, label) {
    var status = document.getElementById("live-status");
    if (!status) return;
    status.classList.toggle("is-live", state === "live");
    status.classList.toggle("is-reconnecting", state === "reconnecting");
    status.textContent = label;
  }

  function refreshesItself(el) {
    var target = el.getAttribute("hx-target");
    return !target || target === "this";
  }

  function resyncLivePartials() {
    document.querySelectorAll(LIVE).forEach(function (el) {
      var outer = el.parentElement && el.parentElement.closest(LIVE);
      if (outer && refreshesItself(outer)) return; // the outer refresh re-renders this one
      var match = /sse:([\w-]+)/.exec(el.getAttribute("hx-trigger"));
      // Not bubbling, so only this element re-fetches, with its own delay and swap.
      if (match) el.dispatchEvent(new CustomEvent("sse:" + match[1], { bubbles: false, detail: { resync: true } }));
    });
  }

  document.addEventListener("htmx:sseOpen", function (event) {
    setLiveStatus("live", "Live");
    var source = event.detail && event.detail.source;
    if (source && !liveSources.has(source)) {
      liveSources.add(source);
      source.addEventListener("resync", resyncLivePartials);
    }
    if (liveOpened) resyncLivePartials();
    liveOpened = true;
  });
  document.addEventListener("htmx:sseError", function () { setLiveStatus("reconnecting", "Reconnecting..."); });

  function liveTriggered(detail) {
    var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    return !!(trigger && trigger.type && trigger.type.indexOf("sse:") === 0);
  }

  function textsById(root) {
    var texts = { "": root.textContent.replace(/\s+/g, " ").trim() };
    root.querySelectorAll("[id]").forEach(function (el) { texts[el.id] = el.textContent.replace(/\s+/g, " ").trim(); });
    if (root.id) texts[root.id] = texts[""];
    return texts;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (liveTriggered(event.detail) && event.detail.target) liveBefore.set(event.detail.xhr, textsById(event.detail.target));
  });

  // After settling: htmx restores the attributes of same-id elements while settling, class included.
  document.addEventListener("htmx:afterSettle", function (event) {
    var before = liveBefore.get(event.detail.xhr);
    if (!before || !event.target.querySelectorAll) return;
    var after = textsById(event.target);
    var changed = [event.target].concat(Array.prototype.slice.call(event.target.querySelectorAll("[id]")))
      .filter(function (el) { return before[el.id || ""] !== after[el.id || ""]; });
    // Flash the innermost changed parts: the row or badge, not the whole table.
    changed.filter(function (el) { return !changed.some(function (o) { return o !== el && el.contains(o); }); })
      .forEach(function (el) {
        el.classList.remove("changed");
        void el.offsetWidth; // restart the animation when it changes twice in a row
        el.classList.add("changed");
        window.setTimeout(function () { el.classList.remove("changed"); }, 2000);
      });
  });
})();

// Invoice editor and dialogs (invoices feature): add and remove line rows, close in-page dialogs.
(function () {
  "use strict";
  var added = 0;
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-line]");
    if (add) {
      var body = document.querySelector(add.getAttribute("data-add-line"));
      var template = document.getElementById("line-template");
      if (!body || !template) return;
      added += 1;
      var html = template.innerHTML.replace(/line-new-/g, "line-n" + added + "-");
      body.insertAdjacentHTML("beforeend", html);
      htmx.process(body.lastElementChild);
      body.lastElementChild.querySelector("textarea, input").focus();
      return;
    }
    var remove = event.target.closest("[data-remove-line]");
    if (remove) {
      var row = remove.closest("tr");
      if (row && row.parentElement.children.length > 1) { row.remove(); htmx.trigger(document.body, "lines-changed"); }
      return;
    }
    var clear = event.target.closest("[data-clear]");
    if (clear) {
      var target = document.querySelector(clear.getAttribute("data-clear"));
      if (target) target.innerHTML = "";
    }
  });
  // Editor: the invoice follows the chosen customer's preferred currency, and typed prices are retyped in the
  // currency's decimals (12345.00 -> 12345 in JPY) when that loses nothing; otherwise the field error explains.
  function currencyDecimals(form, code) {
    var map = JSON.parse(form.getAttribute("data-currency-decimals") || "{}");
    return Object.prototype.hasOwnProperty.call(map, code) ? map[code] : null;
  }
  function normalisePrice(raw, places) {
    var parts = /^(\d*)(?:\.(\d*))?$/.exec(raw.trim().replace(/[,\s]/g, ""));
    if (!parts || !(parts[1] || parts[2])) return raw;
    var fraction = (parts[2] || "").replace(/0+$/, "");
    if (fraction.length > places) return raw;
    var whole = (parts[1] || "0").replace(/^0+(?=\d)/, "");
    return places ? whole + "." + (fraction + "0".repeat(places)).slice(0, places) : whole;
  }
  function followCurrency(form) {
    var input = form.querySelector("[name=currency]");
    var places = input ? currencyDecimals(form, input.value.trim().toUpperCase()) : null;
    if (places === null) return;
    form.querySelectorAll("input[name=line_unit_price]").forEach(function (price) {
      if (!price.readOnly) price.value = normalisePrice(price.value, places);
    });
  }
  function editorOf(event) {
    var field = event.target;
    var form = field.closest && field.closest("form[data-currency-decimals]");
    return form && (field.name === "customer" || field.name === "currency") ? form : null;
  }
  // Capture phase: this runs before htmx's listeners on the form, so the totals preview sends the new values.
  document.addEventListener("change", function (event) {
    var form = editorOf(event);
    if (!form) return;
    var currency = form.querySelector("[name=currency]");
    var chosen = event.target.name === "customer" && event.target.selectedOptions[0];
    var code = chosen && chosen.getAttribute("data-currency");
    if (code && currency && !currency.readOnly) currency.value = code;
    followCurrency(form);
  }, true);
  document.addEventListener("input", function (event) {
    var form = editorOf(event);
    if (form && event.target.name === "currency") followCurrency(form);
  }, true);

  // Every dialog (Send, Mark as paid, Void) is a native <dialog data-modal> that arrives through htmx:
  // showModal() moves focus in and makes Escape close it; once closed it is dropped.
  document.addEventListener("htmx:load", function (event) {
    var dialog = event.detail.elt;
    if (!dialog.matches || !dialog.matches("dialog[data-modal]") || dialog.open) return;
    document.querySelectorAll("dialog[data-modal]").forEach(function (d) { if (d !== dialog) d.remove(); });
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.showModal();
  });
  // [data-open-dialog="#id"] opens a confirmation <dialog> already in the page.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    var target = opener && document.querySelector(opener.getAttribute("data-open-dialog"));
    if (target && !target.open) target.showModal();
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog");
    if (!dialog) return;  // on the full-page form the link simply goes back to the invoice
    event.preventDefault();
    dialog.close();
  });
})();

// CSV import: the upload's progress on the form's bar (long files take a while to send).
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = event.target.querySelector && event.target.querySelector(".import-progress");
  if (bar && event.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});
