import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './styles.css';

// Opened at the bare mount path (`/admin/jobs`), the page's `<base>` is `/admin/jobs/`, so every
// `#/…` link would point at another document and reload the page. Take the slash form in place:
// no request, and a host that redirects it away again (Next.js) is never asked.
const base = new URL(document.baseURI);
if (base.origin === location.origin && base.pathname === `${location.pathname}/`) {
  history.replaceState(history.state, '', `${base.pathname}${location.search}${location.hash}`);
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
