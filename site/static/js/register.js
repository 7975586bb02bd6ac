/* Registration page (SPEC A1): field rules and live "already taken" checks beside each field. The server
 * re-checks everything; this only tells the shopper early. The messages come translated from the form's
 * data-text-* attributes (templates/account/signup.html); the Chinese is only the fallback (docs/i18n.md). */
(function () {
  "use strict";
  var form = document.getElementById("register-form");
  if (!form) return;
  var show = window.MeihaoSms ? window.MeihaoSms.showError : function () {};
  var USERNAME_RE = /^[A-Za-z0-9_-]{5,20}$/, MOBILE_RE = /^1[3-9]\d{9}$/;

  function field(name) { return form.querySelector("[name=" + name + "]"); }

  function liveCheck(name, template, localRule) {
    var input = field(name), timer = null, seq = 0;
    if (!input) return;
    function run() {
      var value = input.value.trim();
      var problem = localRule(value);
      if (problem) { show(name, value ? problem : ""); return; }
      var mine = ++seq;
      fetch(template.replace(name === "username" ? "USERNAME" : "MOBILE", encodeURIComponent(value)), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === seq) show(name, data.ok ? "" : data.message); })
        .catch(function () { /* the server checks again on submit */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 400); });
    input.addEventListener("blur", run);
  }

  liveCheck("username", form.getAttribute("data-username-check"), function (v) {
    if (!USERNAME_RE.test(v)) return form.getAttribute("data-text-username") || "请输入5-20个字符的用户名，只能包含字母、数字、下划线和减号";
    if (/^\d+$/.test(v)) return form.getAttribute("data-text-username-digits") || "用户名不能是纯数字";
    return "";
  });
  liveCheck("phone", form.getAttribute("data-mobile-check"), function (v) {
    return MOBILE_RE.test(v) ? "" : form.getAttribute("data-text-mobile") || "请输入正确的手机号码";
  });

  var p1 = field("password1"), p2 = field("password2");
  p1.addEventListener("blur", function () {
    var n = p1.value.length;
    show("password1", n && (n < 8 || n > 20) ? form.getAttribute("data-text-password") || "请输入8-20位的密码" : "");
  });
  p2.addEventListener("blur", function () {
    show("password2", p2.value && p2.value !== p1.value ? form.getAttribute("data-text-mismatch") || "两次输入的密码不一致" : "");
  });
  var allow = field("allow");
  allow.addEventListener("change", function () { show("allow", allow.checked ? "" : form.getAttribute("data-text-allow") || "请勾选同意用户协议"); });
})();
