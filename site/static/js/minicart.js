/* Mini-cart number in the header of every page (SPEC D3): fills every [data-cart-count] from
   GET /cart/count/ (which also sets the CSRF cookie the cart scripts use), and follows the
   "meihao:cart-count" events cart.js sends after each change. On static pages (data-static-page)
   page-user.js fills the number from /api/me/ and this script only follows the change events. */
(function () {
  "use strict";
  function show(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (element) {
      element.textContent = String(count);
      element.setAttribute("data-count", String(count));
    });
  }
  document.addEventListener("meihao:cart-count", function (event) {
    if (event.detail && typeof event.detail.count === "number") { show(event.detail.count); }
  });
  // Static pages get the number from page-user.js (/api/me/); dynamic ones ask here.
  if (document.body && document.body.hasAttribute("data-static-page")) { return; }
  var holder = document.querySelector("[data-cart-count]");
  var url = (holder && holder.getAttribute("data-cart-count-url")) || "/cart/count/";
  fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (answer) { if (answer && answer.ok) { show(answer.count); } })
    .catch(function () { /* the header keeps its placeholder; the cart page itself still works */ });
})();
