import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { config as zodConfig } from 'zod';
// every glyph any page can show ships with the app (all slices of the CJK font, fetched on demand)
import './fonts/fonts.ts';
import './app/styles.css';

// zod compiles object parsers with `new Function` unless told not to; the content security policy
// allows no eval (server/security/headers.ts), and zod's probe for it would be reported as a violation.
zodConfig({ jitless: true });

const root = createRoot(document.getElementById('root')!);
// /guard is the guards' phone app (巡更): its own small bundle, without the 3D wall screen.
if (/^\/guard(\/|$)/.test(location.pathname)) void import('./guard/main.tsx').then((m) => m.renderGuard(root));
// /district/{unit}: the district wall screen and its monthly scorecard, without the estate map's bundle
else if (/^\/district\//.test(location.pathname))
  void import('./district/DistrictApp.tsx').then(({ DistrictApp }) =>
    root.render(
      <StrictMode>
        <DistrictApp />
      </StrictMode>,
    ),
  );
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
