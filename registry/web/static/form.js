// Progressive enhancement of the use-case form: show the requirement profile of the chosen scenario.
(function () {
  var picker = document.querySelector('[data-profile-picker]');
  if (!picker) return;
  function show() {
    document.querySelectorAll('[data-profile]').forEach(function (el) {
      el.hidden = el.getAttribute('data-profile') !== picker.value;
    });
  }
  picker.addEventListener('change', show);
  show();
})();
