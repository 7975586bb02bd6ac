/* Image captcha and SMS code sending with the server-driven resend countdown (SPEC A2, A3, G2).
 *
 * Every [data-sms] box: the captcha image gets a fresh client-made uuid (click to change; refreshed after
 * every send attempt because the server deletes it on first check). "获取短信验证码" POSTs to /sms_codes/;
 * the remaining seconds of this browser's resend window then come from /ws/sms/?mobile=..., which reads
 * the Redis TTL, so a reload mid-countdown shows the true remainder.
 *
 * The messages come translated from the box's data-text-* attributes (templates/account/_sms_fields.html);
 * the Chinese after each || is only the fallback (docs/i18n.md). */
(function () {
  "use strict";

  var MOBILE_RE = /^1[3-9]\d{9}$/;
  var PENDING_KEY = "meihao.sms.pending";

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function showError(name, message) {
    var el = document.getElementById("error-" + name);
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
    var row = el.closest(".form-row");
    if (row) row.classList.toggle("has-error", !!message);
  }

  function setupCaptcha(box) {
    var img = box.querySelector("[data-captcha-img]");
    if (!img) return null;
    var idInput = box.querySelector("[data-captcha-id]");
    var textInput = box.querySelector("input[name=image_code]");
    function refresh() {
      var id = uuid4();
      idInput.value = id;
      img.src = img.getAttribute("data-url-template").replace("UUID", id);
      if (textInput) textInput.value = "";
    }
    img.addEventListener("click", refresh);
    refresh();
    return { refresh: refresh, idInput: idInput, textInput: textInput };
  }

  function setupSms(box) {
    var form = box.closest("form");
    var captcha = setupCaptcha(box);
    var button = box.querySelector("[data-sms-send]");
    if (!button) return;
    var status = box.querySelector("[data-sms-status]");
    var purpose = box.getAttribute("data-purpose");
    var mobileName = box.getAttribute("data-mobile-input");
    var mobileInput = mobileName ? form.querySelector("[name=" + mobileName + "]") : null;
    var fixedMobile = box.getAttribute("data-mobile");
    var token = box.getAttribute("data-token") || "";
    // Password reset: the page knows only the masked number (138****5678); the server finds the real one by
    // the step token, for the send and for the countdown socket alike.
    var opaque = !!(fixedMobile && token);
    var socket = null, socketMobile = "", remaining = 0;

    function mobile() { return fixedMobile || (mobileInput ? mobileInput.value.trim() : ""); }
    function usable(number) { return opaque ? !!number : MOBILE_RE.test(number); }

    function render(seconds) {
      remaining = Math.max(0, seconds | 0);
      box.setAttribute("data-remaining", String(remaining));
      if (remaining > 0) {
        button.disabled = true;
        button.textContent = remaining + button.getAttribute("data-wait-label");
      } else {
        button.disabled = false;
        button.textContent = button.getAttribute("data-label");
      }
    }

    // `fresh`: reconnect even to the same mobile, e.g. after a send that may have just created the session
    // cookie (a socket opened before it has no session, so it cannot see this browser's window).
    function connect(number, fresh) {
      if (!usable(number) || !window.WebSocket) return;
      if (!fresh && socket && socketMobile === number && socket.readyState <= 1) return;
      if (socket) { socket.intentional = true; socket.close(); }
      socketMobile = number;
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var query = "?mobile=" + encodeURIComponent(number) + (opaque ? "&token=" + encodeURIComponent(token) : "");
      var ws = new WebSocket(scheme + location.host + "/ws/sms/" + query);
      socket = ws;
      ws.onmessage = function (event) {
        var data = JSON.parse(event.data);
        if (ws === socket && data.type === "countdown" && data.mobile === mobile()) render(data.remaining);
      };
      ws.onclose = function () {
        if (ws === socket) socket = null;
        if (!ws.intentional && remaining > 0) {
          setTimeout(function () { if (!socket) connect(mobile()); }, 1000);
        }
      };
    }

    button.addEventListener("click", function () {
      var number = mobile();
      if (!usable(number)) { showError(mobileName || "sms_code", box.getAttribute("data-text-mobile") || "请输入正确的手机号码"); return; }
      if (captcha && !captcha.textInput.value.trim()) { showError("image_code", box.getAttribute("data-text-captcha") || "请输入图形验证码"); return; }
      showError("image_code", ""); showError("sms_code", ""); if (mobileName) showError(mobileName, "");
      button.disabled = true;
      var body = new URLSearchParams({
        mobile: number,
        purpose: purpose,
        token: token,
        image_code_id: captcha ? captcha.idInput.value : "",
        image_code: captcha ? captcha.textInput.value.trim() : ""
      });
      fetch(box.getAttribute("data-send-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Content-Type": "application/x-www-form-urlencoded" },
        body: body
      }).then(function (response) {
        return response.json().catch(function () {
          return { ok: false, message: box.getAttribute("data-text-network") || "网络异常，请稍后重试" };
        });
      }).then(function (data) {
        if (captcha) captcha.refresh();
        if (data.ok) {
          if (status) status.textContent = (box.getAttribute("data-text-sent") || "短信验证码已发送至") + " " + (data.mobile || number);
          try { sessionStorage.setItem(PENDING_KEY, JSON.stringify({ mobile: number, purpose: purpose })); } catch (e) { /* private mode */ }
          render(data.remaining);
          connect(number, true);
          return;
        }
        var code = data.code || "";
        var field = code.indexOf("captcha") === 0 ? "image_code" : (code.indexOf("mobile") === 0 && mobileName ? mobileName : "sms_code");
        showError(field, data.message || box.getAttribute("data-text-send-failed") || "发送失败，请稍后重试");
        if (data.remaining) { render(data.remaining); connect(number, true); } else { render(0); }
      }).catch(function () {
        if (captcha) captcha.refresh();
        showError("sms_code", box.getAttribute("data-text-network") || "网络异常，请稍后重试");
        render(0);
      });
    });

    if (mobileInput) {
      mobileInput.addEventListener("change", function () { if (MOBILE_RE.test(mobile())) connect(mobile()); });
    }
    // After a reload: the pending mobile (if the browser did not keep the input) and the true remainder.
    if (mobileInput && !mobileInput.value) {
      try {
        var pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
        if (pending && pending.purpose === purpose && MOBILE_RE.test(pending.mobile)) mobileInput.value = pending.mobile;
      } catch (e) { /* ignore */ }
    }
    render(0);
    if (usable(mobile())) connect(mobile());
  }

  function init() {
    var boxes = document.querySelectorAll("[data-sms]");
    for (var i = 0; i < boxes.length; i++) setupSms(boxes[i]);
    var captchaOnly = document.querySelectorAll("[data-captcha-only]");
    for (var j = 0; j < captchaOnly.length; j++) setupCaptcha(captchaOnly[j]);
  }

  window.MeihaoSms = { showError: showError };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
