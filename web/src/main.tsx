import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// every glyph any page can show ships with the app (all slices of the CJK font, fetched on demand)
import './fonts/fonts.ts';
import './app/styles.css';

const root = createRoot(document.getElementById('root')!);
// /guard is the guards' phone app (巡更): its own small bundle, without the 3D wall screen.
if (/^\/guard(\/|$)/.test(location.pathname)) void import('./guard/main.tsx').then((m) => m.renderGuard(root));
else
  void import('./app/App.tsx').then(({ App }) =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
