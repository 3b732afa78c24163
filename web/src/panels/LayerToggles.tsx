// Map overlays on and off: a row of large toggle chips over the map's top-left corner, and below it
// (in the same column, so it moves down when the chips wrap on a narrow screen) the heat layer's window.
import { useI18n, type MessageKey } from '../app/i18n.ts';
import { HEAT_SOURCES, HEAT_WINDOWS, LAYERS, setHeatSource, setHeatWindow, setLayer, useHeatSource, useHeatWindow, useLayers } from '../map/layers.ts';

export function LayerToggles() {
  const { t } = useI18n();
  const layers = useLayers();
  const heatWindow = useHeatWindow();
  const heatSource = useHeatSource();
  return (
    <div className="map-toolbar">
    <div className="layer-toggles" role="group" aria-label={t('layers.title')} data-testid="layer-toggles">
      {LAYERS.map((layer) => (
        <button
          key={layer}
          type="button"
          className={`chip ${layers[layer] ? 'on' : 'off'}`}
          aria-pressed={layers[layer]}
          data-testid={`layer-${layer}`}
          onClick={() => setLayer(layer, !layers[layer])}
        >
          {t(`layer.${layer}` as MessageKey)}
        </button>
      ))}
    </div>
    {layers.heat && (
      <div className="layer-toggles heat-windows" role="group" aria-label={t('heat.title')} data-testid="heat-windows">
        {HEAT_SOURCES.map((s) => (
          <button key={s} type="button" className={`chip ${heatSource === s ? 'on' : 'off'}`} aria-pressed={heatSource === s} data-testid={`heat-source-${s}`} onClick={() => setHeatSource(s)}>
            {t(`heat.source.${s}` as MessageKey)}
          </button>
        ))}
        {HEAT_WINDOWS.map((w) => (
          <button key={w} type="button" className={`chip ${heatWindow === w ? 'on' : 'off'}`} aria-pressed={heatWindow === w} data-testid={`heat-${w}`} onClick={() => setHeatWindow(w)}>
            {t(`heat.${w}` as MessageKey)}
          </button>
        ))}
      </div>
    )}
    </div>
  );
}
