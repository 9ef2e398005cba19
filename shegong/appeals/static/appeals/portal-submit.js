/* The citizen's appeal form (appeals/portal/submit.html): region pickers say they are loading,
   the SMS button counts down after a code is sent, and a second tap does not submit twice.
   A static file: the Content-Security-Policy allows no inline script. */
(function () {
  var form = document.getElementById("portal-form");
  var district = document.getElementById("id_district");
  var street = document.getElementById("id_street");
  var community = document.getElementById("id_community");
  function waiting(select, text) { select.innerHTML = ""; select.add(new Option(text, "")); }
  if (district) district.addEventListener("change", function () {
    waiting(street, district.value ? "正在加载…" : "请先选择区县");
    waiting(community, "请先选择街道/乡镇");
  });
  if (street) street.addEventListener("change", function () {
    waiting(community, street.value ? "正在加载…" : "请先选择街道/乡镇");
  });
  var smsButton = document.getElementById("sms-button");
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var status = document.getElementById("sms-status");
    if (!smsButton || !status || !event.detail.target || event.detail.target.id !== "sms-status") return;
    if (status.dataset.ok !== "1") return;
    var left = parseInt(status.dataset.cooldown || "60", 10);
    var label = smsButton.textContent;
    smsButton.disabled = true;
    var timer = setInterval(function () {
      left -= 1;
      smsButton.textContent = left + "秒后重新获取";
      if (left <= 0) { clearInterval(timer); smsButton.disabled = false; smsButton.textContent = label; }
    }, 1000);
    smsButton.textContent = left + "秒后重新获取";
    var code = document.getElementById("id_sms_code");
    if (code) code.focus();
  });
  // A second tap while the first submission is on its way must not send it twice
  // (the server would refuse the duplicate anyway: the form carries a one-time token).
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value !== "submit") return;
    var button = document.getElementById("submit-button");
    setTimeout(function () { button.disabled = true; button.textContent = "正在提交…"; }, 0);
  });
})();
