// The part of troika-three-text's API the map uses (the package ships no "types" entry).
declare module 'troika-three-text' {
  import type { Color, Mesh } from 'three';

  export class Text extends Mesh {
    text: string;
    font: string | null;
    fontSize: number;
    color: Color | string | number | null;
    anchorX: number | string;
    anchorY: number | string;
    outlineWidth: number | string;
    outlineColor: Color | string | number;
    outlineOpacity: number;
    fillOpacity: number;
    maxWidth: number;
    textAlign: string;
    sdfGlyphSize: number | null;
    depthOffset: number;
    sync(callback?: () => void): void;
    dispose(): void;
    /** internal: fills the material's uniforms before a draw */
    _prepareForRender(material: unknown): void;
    /** internal (BatchedText): repacks member bounds */
    updateBounds(): void;
  }

  /** Renders any number of Text members in one draw call (two with outlines). */
  export class BatchedText extends Text {
    addText(text: Text): void;
    removeText(text: Text): void;
  }

  export function configureTextBuilder(config: { defaultFontURL?: string | null; unicodeFontsURL?: string | null; sdfGlyphSize?: number; useWorker?: boolean }): void;
}
