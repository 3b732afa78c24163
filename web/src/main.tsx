import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// the UI's CJK font ships with the app (SIL OFL 1.1): wall screens render the same with or without system CJK fonts
import '@fontsource/noto-sans-sc/chinese-simplified-500.css';
import '@fontsource/noto-sans-sc/chinese-simplified-700.css';
import './app/styles.css';

const root = createRoot(document.getElementById('root')!);
// /guard is the guards' phone app (巡更): its own small bundle, without the 3D wall screen.
if (/^\/guard(\/|$)/.test(location.pathname)) void import('./guard/main.tsx').then((m) => m.renderGuard(root));
// /report is the residents' page (报事报修), opened from a building's QR code: its own small bundle too.
else if (/^\/report(\/|$)/.test(location.pathname)) void import('./report/main.tsx').then((m) => m.renderReport(root));
else
  void import('./app/App.tsx').then(({ App }) =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
