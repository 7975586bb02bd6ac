/*
 * Per-visitor bits of static pages (SPEC B6).
 *
 * The home and detail pages are served as pre-rendered files (<body data-static-page>) that hold no
 * per-user data and no CSRF token. This script asks /api/me/ who is visiting and fills in:
 *   - the login name and a logout button in the top bar ([data-user-bar], hiding [data-anonymous-only]),
 *   - the mini-cart count ([data-cart-count]),
 *   - the CSRF token of every POST form that lacks one,
 * and on a detail page (/goods/<id>/) reports the visit (category visit count, browsing history), which the
 * dynamic view would otherwise have recorded. It fires a "meihao:user" event with the /api/me/ answer.
 * Dynamic pages (no data-static-page) are rendered per visitor on the server: nothing to do there.
 */
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.hasAttribute("data-static-page")) { return; }

  var ME_URL = body.getAttribute("data-me-url") || "/api/me/";
  var VISIT_URL = body.getAttribute("data-visit-url") || "/api/page-visit/";

  function fillCsrf(token) {
    var forms = document.querySelectorAll("form");
    Array.prototype.forEach.call(forms, function (form) {
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
      var input = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        form.insertBefore(input, form.firstChild);
      }
      input.value = token;
    });
  }

  function fillUser(username, token) {
    var bar = document.querySelector("[data-user-bar]");
    if (!bar || !username) { return; }
    bar.setAttribute("data-authenticated", "1");
    Array.prototype.forEach.call(bar.querySelectorAll("[data-anonymous-only]"), function (item) {
      item.hidden = true;
    });

    var hello = document.createElement("li");
    hello.className = "user-name";
    hello.appendChild(document.createTextNode(bar.getAttribute("data-text-welcome") || "欢迎您，"));
    var name = document.createElement("em");
    name.setAttribute("data-user-name", "");
    name.textContent = username;
    hello.appendChild(name);

    var logout = document.createElement("li");
    var form = document.createElement("form");
    form.method = "post";
    form.action = bar.getAttribute("data-logout-url") || "/accounts/logout/";
    form.className = "inline-form";
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrfmiddlewaretoken";
    csrf.value = token;
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "link-button";
    button.textContent = bar.getAttribute("data-text-logout") || "退出";
    form.appendChild(csrf);
    form.appendChild(button);
    logout.appendChild(form);

    bar.insertBefore(logout, bar.firstChild);
    bar.insertBefore(hello, logout);
  }

  function fillCart(count) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cart-count]"), function (el) {
      el.textContent = String(count);
    });
  }

  function reportVisit(token) {
    var match = /^\/goods\/(\d+)\/$/.exec(window.location.pathname);
    if (!match) { return; }
    var data = new URLSearchParams();
    data.set("sku_id", match[1]);
    fetch(VISIT_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "XMLHttpRequest" },
      body: data
    }).catch(function () { /* a lost visit count is not worth bothering the shopper */ });
  }

  fetch(ME_URL, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("me: HTTP " + response.status); }
      return response.json();
    })
    .then(function (me) {
      fillCsrf(me.csrf_token);
      fillUser(me.username, me.csrf_token);
      fillCart(me.cart_count || 0);
      body.setAttribute("data-user-ready", "1");
      reportVisit(me.csrf_token);
      document.dispatchEvent(new CustomEvent("meihao:user", { detail: me }));
    })
    .catch(function () {
      body.setAttribute("data-user-ready", "0");
    });
})();
