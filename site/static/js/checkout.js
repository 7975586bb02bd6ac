/* Checkout page (SPEC E1, E2): amounts always come from the server; the order is submitted with the
   page's one-time token, so a double click or a retry after a network error makes one order.
   The network-error texts come translated from [data-checkout]'s data-text-* attributes (docs/i18n.md). */
(function () {
  "use strict";
  var root = document.querySelector("[data-checkout]");
  if (!root) return;
  var quoteForm = root.querySelector("[data-quote-form]");
  var placeForm = root.querySelector("[data-place-form]");
  var errorBox = root.querySelector("[data-error]");
  var submit = root.querySelector("[data-submit]");
  var couponSelect = root.querySelector("[data-coupon]");
  var pointsInput = root.querySelector("[data-points]");
  var pending = null;

  function field(name) { return placeForm.querySelector('[data-field="' + name + '"]'); }
  function yuan(text) { return "¥" + text; }
  function showError(message) { errorBox.textContent = message || ""; }

  function applyQuote(q) {
    root.querySelectorAll("[data-amount]").forEach(function (el) {
      var key = el.getAttribute("data-amount");
      if (!(key in q)) return;
      var minus = key === "discount" || key === "points_amount";
      el.textContent = (minus ? "-" : "") + yuan(q[key]);
    });
    field("coupon_id").value = q.coupon_id || "";
    field("points").value = q.points;
    field("expected_total").value = q.pay_amount;
    if (pointsInput) { pointsInput.max = q.points_cap; pointsInput.value = q.points; }
  }

  function refreshQuote() {
    var params = new URLSearchParams();
    params.set("coupon", couponSelect ? (couponSelect.value || "none") : "none");
    params.set("points", pointsInput ? (pointsInput.value || "0") : "0");
    submit.disabled = true;
    pending = fetch(root.getAttribute("data-quote-url") + "?" + params.toString(), {
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (q) {
      if (q.ok) { applyQuote(q); showError(""); } else { showError(q.message); }
    }).catch(function () {
      showError(root.getAttribute("data-text-quote-failed") || "网络异常，金额未能更新，请刷新页面");
    }).finally(function () { submit.disabled = false; pending = null; });
    return pending;
  }

  if (quoteForm) {
    quoteForm.addEventListener("submit", function (e) { e.preventDefault(); refreshQuote(); });
    if (couponSelect) couponSelect.addEventListener("change", refreshQuote);
    if (pointsInput) pointsInput.addEventListener("change", refreshQuote);
  }

  function post(attempt) {
    return fetch(placeForm.action, {
      method: "POST",
      body: new FormData(placeForm),
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin"
    }).then(function (r) { return r.json(); }).catch(function (err) {
      // A lost answer is retried with the same token: the server answers with the same order.
      if (attempt < 2) return new Promise(function (ok) { setTimeout(ok, 800); }).then(function () { return post(attempt + 1); });
      throw err;
    });
  }

  placeForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    showError("");
    Promise.resolve(pending).then(function () { return post(0); }).then(function (data) {
      if (data.ok) { window.location.assign(data.url); return; }
      showError(data.message);
      submit.disabled = false;
    }).catch(function () {
      showError(root.getAttribute("data-text-place-failed") || "网络异常，请到“我的订单”确认订单是否已提交");
      submit.disabled = false;
    });
  });
}());
