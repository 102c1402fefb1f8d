// embed.html?src=<url>[&allow=<allow attribute>]: an iframe built from the query string.
window.addEventListener('DOMContentLoaded', () => {
  const params = new URLSearchParams(location.search);
  const frame = document.createElement('iframe');
  if (params.has('allow')) frame.setAttribute('allow', params.get('allow'));
  frame.src = params.get('src');
  frame.id = 'embedded';
  frame.addEventListener('load', () => document.body.setAttribute('data-frame-loaded', 'yes'));
  document.body.append(frame);
});
