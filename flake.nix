# helios64 for NixOS: the package, an overlay and the module. docs/DEPLOYMENT.md
# (`nix flake check` needs network for nixpkgs; CI evaluates the module
# offline with scripts/nix-eval.sh).
{
  description = "Kobol Helios64 NAS daemons and their NixOS module";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f (import nixpkgs {
        inherit system;
        overlays = [ self.overlays.default ];
      }));
    in
    {
      overlays.default = final: prev: { helios64 = final.callPackage ./nix/package.nix { }; };
      packages = forAll (pkgs: { default = pkgs.helios64; helios64 = pkgs.helios64; });
      nixosModules.default = { imports = [ ./nix/module.nix ]; nixpkgs.overlays = [ self.overlays.default ]; };
      checks = forAll (pkgs: { package = pkgs.helios64; });
      formatter = forAll (pkgs: pkgs.nixpkgs-fmt);
    };
}
