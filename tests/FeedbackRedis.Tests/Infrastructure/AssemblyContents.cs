using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// What the managed assemblies in a folder (and below it) define and call, read from their metadata without loading
/// them: assembly names, every type definition, every P/Invoke entry point and every assembly reference.
/// </summary>
internal sealed record AssemblyContents(
    IReadOnlyList<string> Files, IReadOnlyList<string> Assemblies, IReadOnlyList<DefinedType> Types, IReadOnlyList<string> NativeImports,
    IReadOnlyList<string> References)
{
    public static AssemblyContents Read(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal).ToList();
        var assemblies = new List<string>();
        var types = new List<DefinedType>();
        var imports = new List<string>();
        var references = new List<string>();
        foreach (var file in files.Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
        {
            using var stream = File.OpenRead(Path.Combine(folder, file));
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                continue;
            }

            var reader = pe.GetMetadataReader();
            if (!reader.IsAssembly)
            {
                continue;
            }

            string assembly = reader.GetString(reader.GetAssemblyDefinition().Name);
            assemblies.Add(assembly);
            types.AddRange(reader.TypeDefinitions.Select(reader.GetTypeDefinition)
                .Select(t => new DefinedType(assembly, reader.GetString(t.Namespace), reader.GetString(t.Name))));
            imports.AddRange(reader.MethodDefinitions.Select(reader.GetMethodDefinition)
                .Select(m => m.GetImport()).Where(i => !i.Name.IsNil).Select(i => reader.GetString(i.Name)));
            references.AddRange(reader.AssemblyReferences.Select(r => reader.GetString(reader.GetAssemblyReference(r).Name)));
        }

        return new AssemblyContents(files, assemblies, types, imports, references);
    }
}

/// <summary>One type definition: where, and its full name (nested types by their own name).</summary>
internal sealed record DefinedType(string Assembly, string Namespace, string Name)
{
    public override string ToString() => $"{Assembly}: {Namespace}.{Name}";
}
