// The API reference's own bar: the project's name and the way back to the portal. Swagger UI
// renders its page after this file loads, so the bar is put in front of its root element.
(() => {
  const bar = document.createElement('header');
  bar.className = 'licentia-docs-bar';
  const name = document.createElement('span');
  name.className = 'licentia-docs-name';
  name.textContent = 'Licentia API reference';
  const back = document.createElement('a');
  back.href = '/portal';
  back.textContent = 'Back to the portal';
  bar.append(name, back);
  const root = document.getElementById('swagger-ui');
  root?.parentNode?.insertBefore(bar, root);
})();
