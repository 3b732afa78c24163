// Map overlays on and off: a row of large toggle chips over the map's top-left corner.
import { useI18n, type MessageKey } from '../app/i18n.ts';
import { LAYERS, setLayer, useLayers } from '../map/layers.ts';

export function LayerToggles() {
  const { t } = useI18n();
  const layers = useLayers();
  return (
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
  );
}
