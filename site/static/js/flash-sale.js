/*
 * Flash sale page and the product page's sale box (issue 17): countdown to the start by server time, the 抢购
 * button, and the shopper's presses live over /ws/flash/<sale_id>/ (realtime/consumers_flash.py):
 * 排队中 -> 抢购成功 (去支付) or 未抢到; 已抢光 live when the last unit goes.
 * The sale page carries the server clock and the press ticket; the product page (maybe a shared static file)
 * fetches them from data-ticket-url first.
 * Each click sends a fresh request id; a double click while one is in flight is ignored, and the server
 * treats a repeated id as the same press anyway.
 */
(function (window, document) {
  "use strict";

  var root = document.querySelector(".flash-sale[data-sale-id]");
  if (!root) { return; }
  var saleId = root.getAttribute("data-sale-id");
  var offset = Number(root.getAttribute("data-server-now") || Date.now()) - Date.now();
  var ticket = root.getAttribute("data-ticket") || "";
  var csrfFromServer = "";
  var starts = Number(root.getAttribute("data-starts"));
  var ends = Number(root.getAttribute("data-ends"));
  var button = root.querySelector("[data-flash-button]");
  var countdown = root.querySelector("[data-flash-countdown]");
  var message = root.querySelector("[data-flash-message]");
  var list = root.querySelector("[data-flash-entries]");
  var labels = {};
  var template = root.querySelector("template[data-flash-labels]");
  if (template && template.content) {
    Array.prototype.forEach.call(template.content.querySelectorAll("[data-value]"), function (el) {
      labels[el.getAttribute("data-value")] = el.textContent;
    });
  }
  var busy = false;

  function csrfToken() {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return csrfFromServer || (input ? input.value : "");
  }

  function requestId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function tick() {
    var now = Date.now() + offset;
    if (now < starts) {
      var s = Math.ceil((starts - now) / 1000);
      countdown.textContent = (labels.starts_in || "") + " " + Math.floor(s / 3600) + ":" +
        ("0" + Math.floor((s % 3600) / 60)).slice(-2) + ":" + ("0" + (s % 60)).slice(-2);
      button.textContent = labels.not_started || button.textContent;
      button.dataset.state = "not_started";
    } else if (now >= ends) {
      countdown.textContent = labels.ended || "";
      button.textContent = labels.ended || button.textContent;
      button.dataset.state = "ended";
    } else {
      countdown.textContent = "";
      if (button.dataset.state !== "sold_out") {
        button.textContent = labels.live || button.textContent;
        button.dataset.state = "live";
      } else {
        button.textContent = root.getAttribute("data-text-sold-out") || "已抢光";
      }
    }
  }

  function showEntries(entries) {
    list.textContent = "";
    if (entries.length) { message.textContent = entries[0].label; }
    // The status line already says the latest entry's label: a single entry's line adds only what is new.
    var many = entries.length > 1;
    entries.forEach(function (entry) {
      var li = document.createElement("li");
      li.setAttribute("data-status", entry.status);
      li.textContent = (many ? entry.label : "") + (entry.message ? "（" + entry.message + "）" : "");
      if (entry.order_id) {
        var a = document.createElement("a");
        a.href = "/orders/" + entry.order_id + "/";
        a.textContent = labels.pay || root.getAttribute("data-text-pay") || "去支付";
        a.setAttribute("data-order-id", entry.order_id);
        a.className = "btn-primary";
        if (many) { li.appendChild(document.createTextNode(" · ")); }
        li.appendChild(a);
      }
      if (li.childNodes.length) { list.appendChild(li); }
    });
  }

  button.addEventListener("click", function () {
    if (busy || button.dataset.state !== "live") { return; }
    busy = true;
    // The page's signed ticket lets the server answer from Redis alone (commerce/flashsales/asgi.py).
    var body = new URLSearchParams({ request_id: requestId(), ticket: ticket });
    window.fetch(root.getAttribute("data-press-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body,
    }).then(function (response) { return response.json(); }).then(function (data) {
      message.textContent = data.ok ? data.label : data.message;
      if (data.code === "sold_out") {
        button.dataset.state = "sold_out";
        button.textContent = data.message;
      }
    }).catch(function () {
      message.textContent = root.getAttribute("data-text-network") || "网络错误，请重试";
    }).then(function () { busy = false; });
  });

  function showLeft(left) {
    var el = root.querySelector("[data-flash-left]");
    if (el) { el.textContent = String(left); }
  }

  function live() {
    tick();
    window.setInterval(tick, 250);
    if (window.MeihaoRealtime && !button.disabled) { connect(); }
  }

  var ticketUrl = root.getAttribute("data-ticket-url");
  if (!ticketUrl) { live(); return; }
  var sent = Date.now();
  window.fetch(ticketUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.ok) { return; }
      offset = data.server_now_ms - (sent + Date.now()) / 2;
      ticket = data.ticket || "";
      csrfFromServer = data.csrf_token || "";
      showLeft(data.left);
      if (data.left <= 0) { button.dataset.state = "sold_out"; }
      if (data.logged_in) {
        button.disabled = false;
      } else {
        message.textContent = root.getAttribute("data-text-login") || "请先登录";
      }
    })
    .catch(function () { message.textContent = root.getAttribute("data-text-network") || ""; })
    .then(live);

  function connect() {
    window.MeihaoRealtime.connect("/ws/flash/" + saleId + "/", {
      onMessage: function (data) {
        if (data.type === "flash_status") { showEntries(data.entries || []); }
        if (data.type === "flash_left") {
          var left = root.querySelector("[data-flash-left]");
          if (left) { left.textContent = String(data.left); }
          if (data.left <= 0 && button.dataset.state === "live") {
            button.dataset.state = "sold_out";
            button.textContent = root.getAttribute("data-text-sold-out") || "已抢光";
          } else if (data.left > 0 && button.dataset.state === "sold_out") {
            button.dataset.state = "live";
          }
        }
      },
    });
  }
})(window, document);
